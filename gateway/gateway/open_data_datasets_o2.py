"""The open datasets of petitions and routing (issue 15, section 5), as the registry lists them
(gateway/gateway/open_data_registry.py imports `DATASETS`): their rows come from each service's RPC
`open_data_page` (services/petitions/petitions/handlers/open_data.py, services/routing/routing/handlers/
open_data.py), anonymised there."""
from .open_data_registry import Dataset

PETITIONS = Dataset(
    name="petitions", service="petitions", title="Pétitions citoyennes",
    description="Chaque pétition publiée sur le hub (ou refusée par la modération, sauf si elle a été masquée pour "
                "raisons légales) : son statut, son nombre de signatures, le seuil qui la porte au Conseil de Paris, "
                "sa séance et la réponse de la Ville. Ni les auteurs ni les signataires n'y figurent.",
    columns=(
        ("petition_id", "uuid", "Identifiant de la pétition (celui de sa page sur le hub)"),
        ("title", "string", "Titre de la pétition, tel que publié sur le hub"),
        ("status", "string", "Statut (open : ouverte aux signatures, threshold_reached : seuil atteint, "
                             "scheduled_for_council : inscrite au Conseil de Paris, answered : réponse de la Ville, "
                             "closed : close, rejected : refusée par la modération)"),
        ("published_at", "date", "Date de publication (heure de Paris), ou du refus pour une pétition refusée"),
        ("signatures_count", "integer", "Nombre de signatures valides (signatures invalidées pour fraude exclues ; "
                                        "mis à jour au plus quelques minutes après chaque signature)"),
        ("threshold", "integer", "Seuil de signatures fixé à la publication, vide pour une pétition refusée", True),
        ("threshold_reached_at", "date", "Date à laquelle le seuil a été atteint (heure de Paris), vide sinon",
         True),
        ("council_session", "date", "Date de la séance du Conseil de Paris où elle est inscrite, vide sinon", True),
        ("council_outcome", "string", "Réponse de la Ville (accepted : demande acceptée, partially_accepted : "
                                      "acceptée en partie, refused : refusée, under_study : mise à l'étude), vide "
                                      "avant la réponse", True),
    ),
    keywords=("participation citoyenne", "pétitions", "Conseil de Paris", "Paris"),
)

PETITION_SIGNATURES_BY_ARRONDISSEMENT = Dataset(
    name="petition_signatures_by_arrondissement", service="petitions",
    title="Pétitions : signatures par arrondissement",
    description="Pour chaque pétition publiée, le nombre de signatures valides par arrondissement du domicile des "
                "signataires (selon leur profil au moment de signer), ou hors Paris. Les signatures sont comptées, "
                "jamais listées ; un arrondissement sans signature n'a pas de ligne.",
    columns=(
        ("petition_id", "uuid", "Identifiant de la pétition (voir le jeu de données « Pétitions citoyennes »)"),
        ("arrondissement", "string", "Arrondissement des signataires, de « 1 » à « 20 », ou « hors Paris » "
                                     "(domicile hors de Paris ou non renseigné)"),
        ("signatures_count", "integer", "Nombre de signatures valides de cet arrondissement"),
    ),
    keywords=("participation citoyenne", "pétitions", "arrondissements", "Paris"),
)

ROUTING_RESPONSE_TIMES = Dataset(
    name="routing_response_times", service="routing", title="Boîte à idées : délais de première réponse",
    description="Pour chaque mois, dispositif et direction de la Ville : le nombre d'idées reçues par les agents, "
                "le temps mis à leur donner une première réponse (médiane et 90e centile, en heures) et la part "
                "des idées qui l'ont reçue dans le délai promis. Un mois est celui de l'arrivée de l'idée (heure "
                "de Paris) ; les chiffres du mois en cours changent encore.",
    columns=(
        ("scheme", "string", "Dispositif vers lequel l'idée est orientée (code : budget, petition, "
                             "direct_answer, greening_permit, street_report…)"),
        ("direction", "string", "Direction de la Ville chargée de l'idée (code, par exemple DEVE : espaces verts "
                                "et environnement)"),
        ("month", "month", "Mois d'arrivée des idées (AAAA-MM, heure de Paris)"),
        ("ideas_count", "integer", "Nombre d'idées arrivées ce mois-là"),
        ("median_hours_to_first_answer", "number", "Temps médian entre l'arrivée et la première réponse, en heures "
                                                   "(idées ayant reçu une réponse), vide si aucune", True),
        ("p90_hours_to_first_answer", "number", "90e centile de ce temps, en heures : 9 réponses sur 10 sont "
                                                "venues plus vite, vide si aucune", True),
        ("answered_within_deadline_share", "number", "Part (de 0 à 1) des idées ayant reçu leur première réponse "
                                                     "dans le délai du dispositif, parmi celles qui ont reçu une "
                                                     "réponse ou dont le délai est passé ; vide si aucune", True),
    ),
    keywords=("participation citoyenne", "boîte à idées", "délais de réponse", "Paris"),
)

DATASETS = [PETITIONS, PETITION_SIGNATURES_BY_ARRONDISSEMENT, ROUTING_RESPONSE_TIMES]
