"""The shared fakes (tests/fakes) answer in the shapes the real services answer: each answer has exactly the
fields of the schema the service dumps it with (services/accounts/accounts/schemas.py,
services/ideas/ideas/schemas/ideas.py), nested answers included, so a test passing on a fake passes on the wire."""
from accounts import domain as accounts_domain
from accounts import schemas as accounts_schemas
from ideas import schemas as ideas_schemas
from marshmallow import fields
from notifications import domain as notifications_domain
from notifications import schemas as notifications_schemas

from tests.fakes import FakeAccounts, FakeIdeas, FakeNotifications

WITHOUT_ADDRESS = ("email", "email_verified")  # accounts' search by a fragment hides them


def shape_errors(schema, answer, where="answer", hidden=()) -> list:
    """Where `answer` differs from what `schema` dumps: fields missing or extra, at any depth."""
    if isinstance(answer, list):
        return [error for n, item in enumerate(answer) for error in shape_errors(schema, item, f"{where}[{n}]", hidden)]
    expected = set(schema.fields) - set(hidden)
    errors = [f"{where}: missing {sorted(expected - set(answer))}"] if expected - set(answer) else []
    errors += [f"{where}: extra {sorted(set(answer) - expected)}"] if set(answer) - expected else []
    for name in expected & set(answer):
        field, value = schema.fields[name], answer[name]
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and value is not None:
            errors += shape_errors(inner.schema, value, f"{where}.{name}")
    return errors


def accounts_with_two() -> tuple:
    accounts = FakeAccounts()
    citizen = accounts.add(email="camille@exemple.fr", address_line="12 rue de Bretagne", postcode="75003",
                           sector={"code": "paris-centre", "label": "Paris Centre", "insee": "75123"})
    agent = accounts.add(pseudonym="Dominique", roles=("agent",), direction="DEVE")
    return accounts, citizen, agent


def test_the_fake_accounts_answer_like_accounts():
    accounts, citizen, agent = accounts_with_two()
    both = {"account_ids": [citizen, agent]}
    principal = accounts.sign_in(citizen, "jeton-de-test")
    answers = [
        (accounts_schemas.AccountSchema(), accounts.get_account(citizen)),
        (accounts_schemas.AccountSchema(), accounts.update_profile(citizen, {"pseudonym": "Camille du 3e"})),
        (accounts_schemas.AccountSchema(), accounts.grant_role(agent, {"account_id": citizen, "role": "moderator"})),
        (accounts_schemas.AccountSchema(), accounts.certify_attributes(agent, {"account_id": citizen})),
        (accounts_schemas.PublicProfileSchema(), accounts.public_profiles(both)),
        (accounts_schemas.EligibilityAttributesSchema(), accounts.eligibility_attributes({"account_id": citizen})),
        (accounts_schemas.EligibilityAttributesSchema(), accounts.eligibility_attributes_many(both)),
        (accounts_schemas.EmailDomainSchema(), accounts.email_domains(both)),
        (accounts_schemas.AccountSummarySchema(), accounts.search_accounts(agent, {"query": "camille@exemple.fr"})),
        (accounts_schemas.PrincipalSchema(), principal),
        (accounts_schemas.PrincipalSchema(), accounts.resolve_session({"token": "jeton-de-test"})),
        (accounts_schemas.LoginResultSchema(), accounts.login({"email": "camille@exemple.fr", "password": "p" * 12})),
        (accounts_schemas.SessionSchema(), accounts.list_sessions(citizen, principal["session_id"])),
    ]
    assert [error for schema, answer in answers for error in shape_errors(schema, answer)] == []
    by_fragment = accounts.search_accounts(agent, {"query": "dom"})
    assert by_fragment and shape_errors(accounts_schemas.AccountSummarySchema(), by_fragment,
                                        hidden=WITHOUT_ADDRESS) == []


def test_the_fake_accounts_reference_data_is_accounts_own():
    """The fake copies accounts' reference tables (a test of another service reads what accounts answers): the
    copy is checked against accounts' domain, the one source of the directions, arrondissements and postcodes."""
    answer = FakeAccounts().reference_data()
    assert answer["roles"] == list(accounts_domain.ROLES)
    assert answer["grantable_roles"] == list(accounts_domain.GRANTABLE_ROLES)
    assert {row["code"]: row["name"] for row in answer["directions"]} == accounts_domain.DIRECTIONS
    assert answer["arrondissements"] == accounts_domain.arrondissements()


def test_the_fake_ideas_answer_like_ideas():
    ideas, reader = FakeIdeas(), {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
    idea_id = ideas.add(author_id=reader["account_id"], correlation_id="req-1")["id"]
    asked = {"idea_id": idea_id}
    answers = [
        (ideas_schemas.IdeaSchema(), ideas.get_idea(asked)),
        (ideas_schemas.IdeaSchema(), ideas.get_idea(asked, reader)),
        (ideas_schemas.IdeaSchema(), ideas.submit_idea(reader, {
            "title": "Des bancs rue Manin", "description": "Pour s'asseoir.", "theme": "cadre_de_vie",
            "arrondissement": 19, "address_line": None, "author_pseudonym": "Camille"})),
        (ideas_schemas.IdeaSchema(), ideas.change_status(reader, {**asked, "status": "under_review"})),
        (ideas_schemas.IdeaPageSchema(), ideas.list_ideas({"limit": 10, "offset": 0})),
        (ideas_schemas.SubmissionsPageSchema(), ideas.submissions({"after": None, "limit": 10})),
        (ideas_schemas.SupportStateSchema(), ideas.support_idea(reader, asked)),
        (ideas_schemas.FollowStateSchema(), ideas.follow_idea(reader, asked)),
        (ideas_schemas.CommentSchema(), ideas.post_comment(reader, {**asked, "body": "Oui.",
                                                                    "author_pseudonym": "Camille"})),
        (ideas_schemas.ReportStateSchema(), ideas.report_content(  # by another: its author may not (OWN_IDEA)
            {"account_id": "2f3e4d5c-6b7a-4899-8b1c-2d3e4f5a6b7c", "roles": ["citizen"]},
            {"kind": "idea", "content_id": idea_id, "reason": "spam"})),
        (ideas_schemas.ModerationStateSchema(), ideas.moderate(reader, {"kind": "idea", "content_id": idea_id,
                                                                        "action": "hide"})),
    ]
    assert [error for schema, answer in answers for error in shape_errors(schema, answer)] == []


def test_the_fake_notifications_answer_like_notifications():
    fake, reader = FakeNotifications(), {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
    notification = fake.add(reader["account_id"])
    token = fake.token_for(reader["account_id"], "followed")
    answers = [
        (notifications_schemas.NotificationPageSchema(), fake.list_notifications(reader, {"page": 1, "per_page": 20})),
        (notifications_schemas.UnreadCountSchema(), fake.mark_read(reader, {"notification_ids": [
            notification["notification_id"]]})),
        (notifications_schemas.UnreadCountSchema(), fake.unread_count(reader, {})),
        (notifications_schemas.PreferencesSchema(), fake.get_preferences(reader, {})),
        (notifications_schemas.PreferencesSchema(), fake.set_preferences(reader, {"preferences": {"followed": "hub"}})),
        (notifications_schemas.UnsubscribedSchema(), fake.unsubscribe(None, {"token": token})),
        (notifications_schemas.ReferenceDataSchema(), fake.reference_data()),
    ]
    assert [error for schema, answer in answers for error in shape_errors(schema, answer)] == []


def test_the_fake_notifications_tables_are_the_service_s():
    """The fake copies the categories, channels, labels and defaults: checked against the service's reference data
    and preferences of a person who chose nothing."""
    reference = FakeNotifications().reference_data()
    assert reference == {"categories": [{"code": code, "label": label}
                                        for code, label in notifications_domain.CATEGORIES.items()],
                         "channels": [{"code": code, "label": label}
                                      for code, label in notifications_domain.CHANNELS.items()]}
    assert {row["category"]: row["channel"] for row in FakeNotifications().get_preferences(
        {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"}, {})["preferences"]} == notifications_domain.DEFAULT_CHANNELS


def test_a_difference_of_shape_is_found():
    accounts, citizen, _agent = accounts_with_two()
    answer = {**accounts.get_account(citizen), "password_hash": "x"}
    del answer["pseudonym"]
    answer["certification"] = {"level": "declared"}
    assert shape_errors(accounts_schemas.AccountSchema(), answer) == [
        "answer: missing ['pseudonym']", "answer: extra ['password_hash']", "answer.certification: missing ['verified_at']"]
