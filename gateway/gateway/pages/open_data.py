"""The page « Données ouvertes » (issue 15, section 5): every open dataset of the hub — the registry's, streamed by
/api/v1/open-data, and the budget's existing exports — with what it holds, its columns, its licence (ODbL 1.0),
its formats and links, and the DCAT-AP catalogue for portals. Static: it asks no service (it renders when they
are down)."""
from flask import Blueprint, render_template

from .. import open_data_registry as registry

bp = Blueprint("open_data", __name__)

TYPE_LABELS = {"string": "texte", "integer": "nombre entier", "number": "nombre", "date": "date (AAAA-MM-JJ)",
               "month": "mois (AAAA-MM)", "uuid": "identifiant (UUID)"}


@bp.get("/donnees-ouvertes")
def catalogue():
    return render_template("open_data/catalogue.html", datasets=registry.DATASETS,
                           budget_exports=registry.BUDGET_EXPORTS, type_labels=TYPE_LABELS,
                           licence_title=registry.LICENCE_TITLE, licence_url=registry.LICENCE_URL,
                           publisher=registry.PUBLISHER)
