from flask import Blueprint

bp = Blueprint("backoffice", __name__)
