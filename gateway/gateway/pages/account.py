from flask import Blueprint, render_template

bp = Blueprint("account_pages", __name__)


@bp.get("/connexion")
def login():
    return render_template("home.html")
