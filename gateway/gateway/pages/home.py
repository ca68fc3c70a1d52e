"""The home page: the hub's two doors, its one offer of participation and its one offer of action (« Agir »)."""
from flask import Blueprint, render_template

bp = Blueprint("home", __name__)

# The services of participation, in the order citizens meet them. Those with an `endpoint` are open;
# the others arrive in a later release.
OFFERS = (
    {"slug": "idees", "title": "Boîte à idées", "endpoint": "ideas.index",
     "text": "Proposez une idée pour votre quartier ou pour tout Paris, et soutenez celles des autres."},
    {"slug": "consultations", "title": "Consultations", "endpoint": "consultations.index",
     "text": "Donnez votre avis sur les projets de la Ville avant que les décisions ne soient prises."},
    {"slug": "budget", "title": "Budget participatif", "endpoint": "budget.index",
     "text": "Proposez des projets pour votre arrondissement, puis votez pour choisir ceux que la Ville réalisera."},
    {"slug": "petitions", "title": "Pétitions", "endpoint": "petitions.index",
     "text": "Lancez ou signez une pétition adressée au Conseil de Paris."},
)


# The case study's two doors: participating (the offers above) and acting (« Agir », the City's action schemes).
DOORS = (
    {"slug": "participer", "title": "Participer", "endpoint": "home.index", "anchor": "#titre-offre",
     "text": "Proposer, donner votre avis, voter, interpeller : boîte à idées, consultations, budget participatif "
             "et pétitions."},
    {"slug": "agir", "title": "Agir", "endpoint": "act.index", "anchor": "",
     "text": "Demander directement à la Ville : permis de végétaliser, signalement d'une anomalie (DansMaRue), "
             "bénévolat… Votre demande ouvre un dossier suivi."},
)


@bp.get("/")
def index():
    return render_template("home.html", offers=OFFERS, doors=DOORS)
