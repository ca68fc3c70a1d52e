"""The site menu has an « Agir » entry beside the participation ones (issue 15): marked as the current page on
« Agir »'s pages only, as the other entries are, for visitors and signed-in people."""
import re

from .test_act_pages import routing  # noqa: F401 (the fake routing service behind « Agir »)


def menu_of(response) -> str:
    assert response.status_code == 200
    return re.search(r'<nav class="site-nav" aria-label="Menu principal">.*?</nav>',
                     response.get_data(as_text=True), re.S).group(0)


def test_the_menu_has_agir_after_the_participation_entries(client, routing):
    menu = menu_of(client.get("/"))
    assert '<a href="/agir">Agir</a>' in menu
    assert menu.index(">Budget participatif</a>") < menu.index(">Agir</a>") < menu.index(">Se connecter</a>")
    assert 'aria-current="page">Accueil</a>' in menu and menu.count('aria-current="page"') == 1


def test_agir_s_pages_mark_it_as_the_current_page(client, routing, sign_in):
    for path in ("/agir", "/agir/greening_permit"):
        menu = menu_of(client.get(path))
        assert '<a href="/agir" aria-current="page">Agir</a>' in menu and menu.count('aria-current="page"') == 1
    sign_in()
    assert '<a href="/agir" aria-current="page">Agir</a>' in menu_of(client.get("/agir"))
    assert '<a href="/agir">Agir</a>' in menu_of(client.get("/mon-compte"))
