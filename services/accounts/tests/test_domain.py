"""Rules of the one account (unit tests: no database, no broker)."""
from datetime import date

import pytest

from accounts import domain
from accounts.domain import RuleBroken


@pytest.mark.parametrize("postcode, arrondissement", [
    ("75001", 1), ("75004", 4), ("75011", 11), ("75016", 16), ("75116", 16), ("75020", 20), (" 75015 ", 15)])
def test_paris_postcodes_give_the_arrondissement(postcode, arrondissement):
    assert domain.arrondissement_for_postcode(postcode) == arrondissement


@pytest.mark.parametrize("postcode", ["75000", "75021", "75123", "75196", "92100", "7501", "7501a", "", "93016"])
def test_other_postcodes_are_refused_on_the_postcode_field(postcode):
    with pytest.raises(RuleBroken) as refused:
        domain.arrondissement_for_postcode(postcode)
    assert refused.value.field == "postcode"


@pytest.mark.parametrize("arrondissement", [1, 2, 3, 4])
def test_the_first_four_arrondissements_vote_as_paris_centre(arrondissement):
    assert domain.sector_of(arrondissement) == domain.Sector("paris-centre", "Paris Centre", "75123")


def test_other_arrondissements_are_their_own_sector():
    assert domain.sector_of(16) == domain.Sector("paris-16", "16e arrondissement", "75116")
    assert domain.sector_of(5).insee == "75105"


def test_age_counts_whole_years_on_the_day():
    assert domain.age_on(date(2010, 6, 15), date(2026, 6, 14)) == 15
    assert domain.age_on(date(2010, 6, 15), date(2026, 6, 15)) == 16


def test_birth_dates_in_the_future_or_before_1900_are_refused():
    today = date(2026, 11, 25)
    with pytest.raises(RuleBroken):
        domain.check_birth_date(date(2026, 11, 26), today)
    with pytest.raises(RuleBroken):
        domain.check_birth_date(date(1899, 12, 31), today)
    assert domain.check_birth_date(date(1990, 1, 1), today) == date(1990, 1, 1)


def test_a_paris_residence_needs_an_address_and_a_paris_postcode():
    assert domain.residence(True, "12 rue Oberkampf", "75011") == domain.Residence(True, "12 rue Oberkampf", "75011", 11)
    with pytest.raises(RuleBroken) as refused:
        domain.residence(True, "", "75011")
    assert refused.value.field == "address_line"
    with pytest.raises(RuleBroken) as refused:
        domain.residence(True, "1 place de la Mairie", "92100")
    assert refused.value.field == "postcode"


def test_no_address_is_kept_for_someone_living_outside_paris():
    assert domain.residence(False, None, None) == domain.Residence(False)
    with pytest.raises(RuleBroken):
        domain.residence(False, "1 place de la Mairie", "92100")


def test_changing_attributes_makes_a_verified_profile_declared_again():
    assert domain.certification_after_change(domain.VERIFIED, attributes_changed=True) == domain.DECLARED
    assert domain.certification_after_change(domain.VERIFIED, attributes_changed=False) == domain.VERIFIED


@pytest.mark.parametrize("password", ["court", "motdepasse123", "aaaaaaaaaaaa", "x" * 129, "camille@exemple.fr"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(RuleBroken) as refused:
        domain.check_password(password, email="camille@exemple.fr")
    assert refused.value.field == "password"


def test_a_reasonable_password_is_accepted():
    domain.check_password("Des-Arbres-Rue-Oberkampf", "camille@exemple.fr", "Camille")


@pytest.mark.parametrize("pseudonym", ["ab", "x" * 41, "<script>", "Admin", "Citoyen·ne anonyme", "Ville de Paris"])
def test_bad_or_reserved_pseudonyms_are_refused(pseudonym):
    with pytest.raises(RuleBroken):
        domain.check_pseudonym(pseudonym)


def test_pseudonyms_that_look_alike_are_the_same():
    assert domain.pseudonym_key("Camille du 11e") == domain.pseudonym_key("camille-du-11E")
    assert domain.pseudonym_key("Élodie") == domain.pseudonym_key("elodie")
    assert domain.check_pseudonym("  Camille   du 11e ") == "Camille du 11e"


def test_an_agent_belongs_to_a_city_direction():
    domain.check_grant("agent", "DEVE")
    with pytest.raises(RuleBroken) as refused:
        domain.check_grant("agent", None)
    assert refused.value.field == "direction"
    with pytest.raises(RuleBroken):
        domain.check_grant("moderator", "DEVE")
    with pytest.raises(RuleBroken):
        domain.check_grant("citizen", None)


def test_the_last_admin_and_the_citizen_role_cannot_be_revoked():
    with pytest.raises(RuleBroken) as refused:
        domain.check_revoke("admin", is_last_admin=True)
    assert refused.value.code == "LAST_ADMIN"
    with pytest.raises(RuleBroken):
        domain.check_revoke("citizen", is_last_admin=False)
    domain.check_revoke("admin", is_last_admin=False)


def test_secrets_are_random_and_stored_as_digests():
    first, second = domain.new_secret(), domain.new_secret()
    assert first != second and len(first) >= 40
    assert domain.digest(first) != first and len(domain.digest(first)) == 64


def test_the_e_mail_domain_is_all_other_services_see_of_an_address():
    assert domain.email_domain(" Camille.Martin@Exemple.FR ") == "exemple.fr"
    assert domain.email_domain("a@b@sous.domaine.paris") == "sous.domaine.paris"
    assert domain.email_domain("sans-arobase.example") == ""  # never the whole value


@pytest.mark.parametrize("query, whole", [
    ("camille@exemple.fr", True), (" Camille@Exemple.FR ", True), ("@exemple.fr", False), ("camille@", False),
    ("camille@exemple", False), ("camille", False), ("", False), ("a b@exemple.fr", False),
])
def test_only_a_whole_address_is_an_exact_e_mail_lookup(query, whole):
    assert domain.is_whole_address(query) is whole
