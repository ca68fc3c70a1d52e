"""The home page: the hub's one offer of participation."""
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


@bp.get("/")
def index():
    return render_template("home.html", offers=OFFERS)
