"""The rules of routing, without a database or a broker."""
import importlib.util
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from routing import domain
from routing.domain import suggestion

MIGRATION = Path(__file__).resolve().parents[1] / "routing" / "migrations" / "versions" / "0001_initial.py"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def seeded_schemes() -> list:
    """The catalogue exactly as the first migration seeds it."""
    spec = importlib.util.spec_from_file_location("routing_0001", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [{"code": code, "name": name, "direction": direction, "keywords": keywords}
            for code, name, _, direction, _, _, _, _, _, keywords in module.SEED]


SCHEMES = seeded_schemes()


@pytest.mark.parametrize("title, description, theme, expected, word, written", [
    ("Végétaliser la rue Manin", "Des jardinières et des fleurs devant l'école.", "environnement",
     "greening_permit", "jardinière", "jardinières"),
    ("Un arbre place de la Réunion", "Planter des arbres pour l'ombre.", "cadre_de_vie", "greening_permit", "arbre",
     "arbre"),
    ("Nid-de-poule rue de Belleville", "Un trou dangereux pour les vélos.", "mobilites", "street_report",
     "nid-de-poule", "Nid-de-poule"),
    ("Dépôt sauvage récurrent", "Des encombrants tous les lundis.", "proprete", "street_report", "dépôt sauvage",
     "Dépôt sauvage"),
    ("Éclairage en panne passage Ramey", "Le soir c'est tout noir.", "prevention_securite", "street_report",
     "éclairage en panne", "Éclairage en panne"),
    ("Graffiti sur l'école", "Le mur est couvert de graffitis.", "proprete", "street_report", "graffiti",
     "Graffiti"),
    ("Aménager un terrain de basket", "Installer des paniers et rénover le sol du square.", "sport", "budget",
     "aménager", "Aménager"),
    ("Interdire les terrasses chauffées", "Nous demandons au Conseil de Paris un vote.", "environnement",
     "petition", "nous demandons", "Nous demandons"),
])
def test_the_suggestion_names_its_scheme_and_the_words_behind_it(title, description, theme, expected, word,
                                                                  written):
    """The catalogue's keyword decides; the reason shows it as the idea writes it (issue 15)."""
    suggestion = domain.suggest(title, description, theme, SCHEMES)
    assert suggestion.scheme == expected
    assert word in suggestion.keywords
    assert f"« {written} »" in suggestion.reason


def test_no_keyword_means_a_direct_answer_by_the_theme_direction():
    suggestion = domain.suggest("Horaires de la mairie", "Ouvrir plus tard le jeudi.", "solidarites", SCHEMES)
    assert suggestion.scheme == "direct_answer" and suggestion.direction == "DSOL"
    assert "Aucun mot-clé" in suggestion.reason and "(DSOL)" in suggestion.reason


def test_on_a_tie_the_more_specific_scheme_wins_and_others_are_mentioned():
    suggestion = domain.suggest("Installer un lampadaire", "L'éclairage en panne depuis un mois.", None, SCHEMES)
    assert suggestion.scheme == "street_report"
    assert "Autres pistes : Budget participatif" in suggestion.reason


def test_the_theme_tips_the_balance_and_says_so():
    suggestion = domain.suggest("Des fleurs et un banc", "Créer un coin fleuri.", "environnement", SCHEMES)
    assert suggestion.scheme == "greening_permit"
    assert "thématique" in suggestion.reason


def test_admin_keywords_drive_the_suggestion():
    schemes = SCHEMES + [{"code": "compost", "name": "Composteurs de quartier", "direction": "DPE",
                          "keywords": ["composteur", "compost"]}]
    assert domain.suggest("Un composteur rue Oberkampf", "Pour les biodéchets.", None, schemes).scheme == "compost"


def test_matching_ignores_case_accents_hyphens_and_word_endings():
    text = domain.stems("Les NIDS DE POULE, les Arbres ; nous végétalisons et installons des jardinières")
    for keyword in ("nid-de-poule", "arbre", "végétaliser", "installer", "jardinière", "installation"):
        assert suggestion._contains(text, keyword), keyword
    assert not suggestion._contains(domain.stems("un arbrisseau"), "arbre")
    assert not suggestion._contains(domain.stems("les tagliatelles"), "tags")
    assert domain.stems("aménagement") == domain.stems("aménager") == "amenag"


def test_a_verb_form_not_listed_still_leads_to_its_scheme():
    suggestion = domain.suggest("Végétalisons la rue Myrha", "Nous installerions volontiers des bacs.", None, SCHEMES)
    assert suggestion.scheme == "greening_permit" and "végétaliser" in suggestion.keywords


def test_the_checklist_reads_the_words_and_leaves_the_rest_to_the_agent():
    checks = domain.checklist("Rénover le square Trousseau", "Installer des bancs dans le square.")
    assert checks["investment"]["value"] == "yes" and "Rénover" in checks["investment"]["why"]
    assert checks["public_land"]["value"] == "yes" and checks["city_competence"]["value"] == "unknown"
    running = domain.checklist("Plus de personnel", "Recruter des gardiens pour l'entretien du parc.")
    assert running["investment"]["value"] == "no"
    outside = domain.checklist("Plus de métros", "Le RER B est toujours en retard.")
    assert outside["city_competence"]["value"] == "no"
    private = domain.checklist("Ma copropriété", "Planter dans la cour privée de notre immeuble.")
    assert private["public_land"]["value"] == "no"
    assert set(checks) == set(domain.CHECKS)


def test_an_agent_ticks_the_checklist():
    current = domain.checklist("Rénover le square", "")
    ticked = domain.check_checklist({"general_interest": "yes", "investment": "yes"}, current)
    assert ticked["general_interest"] == {"value": "yes", "why": "Coché par un agent."}
    assert ticked["investment"] == current["investment"]  # unchanged: the explanation stays
    with pytest.raises(domain.RuleBroken) as broken:
        domain.check_checklist({"pretty": "yes"}, current)
    assert broken.value.field == "pretty"
    with pytest.raises(domain.RuleBroken):
        domain.check_checklist({"investment": "maybe"}, current)


def test_deadlines_count_down_and_flag_overdue_open_ideas_only():
    deadline = domain.deadline(NOW, 7)
    assert deadline == NOW + timedelta(days=7)
    assert domain.countdown(deadline, NOW + timedelta(days=2, hours=1)) == {
        "seconds": int(timedelta(days=4, hours=23).total_seconds()), "days": 4, "overdue": False}
    late = NOW + timedelta(days=8)
    assert domain.countdown(deadline, late)["overdue"] is True
    assert domain.is_overdue(deadline, "waiting", late) and domain.is_overdue(deadline, "pending", late)
    assert not domain.is_overdue(deadline, "forwarded", late)
    assert not domain.is_overdue(deadline, "waiting", NOW)


def test_decisions_are_checked():
    budget = {"code": "budget", "active": True}
    assert domain.check_decision("forward", {"message": " Bien reçu "}, budget, "i")["message"] == "Bien reçu"
    cases = [("forward", {}, None, "scheme"), ("forward", {}, {"code": "x", "active": False}, "scheme"),
             ("forward", {}, {"code": "direct_answer", "active": True}, "scheme"),
             ("answer", {"message": "  "}, None, "message"), ("not_retain", {"message": "x"}, None, "reason_code"),
             ("not_retain", {"reason_code": "other"}, None, "message"), ("duplicate", {}, None, "duplicate_of"),
             ("duplicate", {"duplicate_of": "i"}, None, "duplicate_of"),
             ("forward", {"message": "x" * 5000}, budget, "message")]
    for action, command, scheme, field in cases:
        with pytest.raises(domain.RuleBroken) as broken:
            domain.check_decision(action, command, scheme, "i")
        assert broken.value.field == field, (action, command)
    duplicate = domain.check_decision("duplicate", {"duplicate_of": "j"}, None, "i")
    assert duplicate["duplicate_of"] == "j" and duplicate["message"]


def test_who_may_decide_what():
    domain.check_can_decide("waiting", "answer")
    domain.check_can_decide("forwarded", "forward")  # a re-routing
    for status, action, code in [("pending", "forward", "DECISION_PENDING"), ("answered", "forward", "ALREADY_DECIDED"),
                                 ("forwarded", "answer", "ALREADY_DECIDED")]:
        with pytest.raises(domain.RuleBroken) as broken:
            domain.check_can_decide(status, action)
        assert broken.value.code == code


def test_undo_is_refused_once_the_decision_took_effect_with_a_clear_message():
    domain.check_undo(False, False, 60)
    with pytest.raises(domain.RuleBroken) as broken:
        domain.check_undo(True, False, 60)
    assert broken.value.code == "UNDO_TOO_LATE" and "60 secondes" in broken.value.message
    with pytest.raises(domain.RuleBroken) as broken:
        domain.check_undo(True, True, 60)
    assert broken.value.code == "ALREADY_UNDONE"


def test_dossier_references():
    assert domain.dossier_reference("DEVE", 2026, 123) == "DEVE-2026-000123"


def test_the_webhook_signature_covers_the_timestamp_and_the_body():
    body = '{"reference": "DEVE-2026-000001"}'.encode()
    signature = domain.sign("s3cret", 1767225600, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    # known answer, computed independently: HMAC-SHA256("s3cret", "1767225600." + body)
    import hashlib
    import hmac
    assert signature == "sha256=" + hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()


def test_the_backoff_doubles_up_to_a_cap():
    waits = [domain.backoff(attempts, 30).total_seconds() for attempts in range(1, 7)]
    assert waits == [30, 60, 120, 240, 480, 960]
    assert domain.backoff(40, 30).total_seconds() == 6 * 3600
    assert domain.is_success(200) and domain.is_success(204) and not domain.is_success(500)
    assert not domain.is_success(301)


def test_scheme_fields_are_checked():
    assert domain.check_code("compost_2") == "compost_2"
    for code in ("Compost", "2x", "a", "x" * 41, "com-post"):
        with pytest.raises(domain.RuleBroken):
            domain.check_code(code)
    assert domain.check_keywords([" Arbre ", "arbre", "", "Pied  d'arbre"]) == ["arbre", "pied d'arbre"]
    with pytest.raises(domain.RuleBroken):
        domain.check_deadline_days(0)
    assert domain.check_delivery("external", "webhook", "https://deve.paris.fr/hook", None) == (
        "webhook", "https://deve.paris.fr/hook", None)
    assert domain.check_delivery("external", "webhook", "http://127.0.0.1:9/h", None, allow_plain_http=True)[0]
    assert domain.check_delivery("internal", "event", "https://x", "a@b.fr") == ("event", None, None)
    for kind, delivery, url, email, field in [
            ("external", "webhook", "http://deve.paris.fr/hook", None, "webhook_url"),
            ("external", "webhook", None, None, "webhook_url"), ("external", "email", None, "pas-une-adresse", "email"),
            ("internal", "webhook", "https://x.fr", None, "delivery"), ("external", "event", None, None, "delivery")]:
        with pytest.raises(domain.RuleBroken) as broken:
            domain.check_delivery(kind, delivery, url, email)
        assert broken.value.field == field


def test_trace_summaries_are_french_and_public_safe():
    assert domain.trace_summary("idea_status_changed", {"status": "forwarded"}) == "Statut de l'idée : « Transmise »."
    assert "recevable et réalisable" in domain.trace_summary("project_study_decided",
                                                            {"admissible": True, "feasible": True})
    assert "non recevable" in domain.trace_summary("project_study_decided", {"admissible": False})
    assert domain.trace_summary("project_drafted", {}).startswith("Projet pré-rempli")


# --- who acts on an idea: its owning direction ------------------------------------------------------------

DEVE_AGENT = {"account_id": "a", "roles": ["citizen", "agent"], "direction": "DEVE"}
# The directions table as accounts answers it (routing reads it only to word a refusal).
NAMES = {"DEVE": "Direction des espaces verts et de l'environnement",
         "DVD": "Direction de la voirie et des déplacements"}


def names():
    return NAMES


def not_asked():
    pytest.fail("the directions table is read only to word a refusal")


def test_an_agent_of_the_owning_direction_and_an_admin_act_on_the_idea():
    domain.check_owning_direction(DEVE_AGENT, "DEVE", not_asked)
    domain.check_owning_direction({"account_id": "b", "roles": ["citizen", "admin"], "direction": None}, "DEVE",
                                  not_asked)
    domain.check_owning_direction({"account_id": "b", "roles": ["admin"], "direction": None}, None, not_asked)


@pytest.mark.parametrize("actor, code, words", [
    ({**DEVE_AGENT, "direction": "DVD"}, "OUTSIDE_DIRECTION",
     "vous êtes agent de la direction DVD (Direction de la voirie et des déplacements)"),
    ({**DEVE_AGENT, "direction": "DXX"}, "OUTSIDE_DIRECTION", "vous êtes agent de la direction DXX."),
    ({**DEVE_AGENT, "direction": None}, "OUTSIDE_DIRECTION", "rattaché à aucune direction"),
    ({"account_id": "m", "roles": ["citizen", "moderator"], "direction": None}, "FORBIDDEN", "Réservé aux agents"),
    ({"account_id": "c", "roles": ["citizen"]}, "FORBIDDEN", "Réservé aux agents"),
])
def test_anyone_else_is_refused_with_the_owning_direction_named(actor, code, words):
    with pytest.raises(domain.OutsideDirection) as refused:
        domain.check_owning_direction(actor, "DEVE", names)
    assert refused.value.code == code and refused.value.direction == "DEVE"
    assert "DEVE (Direction des espaces verts et de l'environnement)" in refused.value.message
    assert words in refused.value.message
    assert isinstance(refused.value, domain.NotAllowed)  # a 403, never a 400


def test_an_idea_without_an_owning_direction_is_for_admins_only():
    with pytest.raises(domain.OutsideDirection):
        domain.check_owning_direction({**DEVE_AGENT}, None, names)
