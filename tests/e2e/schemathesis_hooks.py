"""Schemathesis hooks of tests/e2e/test_schemathesis.py (`st run` loads them through SCHEMATHESIS_HOOKS): the checks
that cannot hold on one operation, each with its reason. Only these failures are dropped, every other check of the
operation still runs."""
import schemathesis

A_SECRET = ("its input holds a secret only the server can judge (a mailed token, the account's password, a password "
            "found in breach lists): a well-formed wrong one is refused as invalid (400), which no schema can tell")
A_RULE_ACROSS_FIELDS = ("a rule across fields (an address only for a Paris resident; a ballot chooses at least one "
                        "project in one of its two lists) that OpenAPI 3.0 cannot express from marshmallow: a "
                        "well-formed request breaking it is refused as invalid (400)")
AN_EXISTING_REFERENCE = ("a field naming another resource (the citizen's own idea a project comes from): whether it "
                         "exists is the server's to say, and the submission form shows it as that field's error (400)")
A_SERVERS_CURSOR = ("an opaque cursor the service made (the `next` of a page): a well-formed made-up one is refused as "
                    "invalid (400), which no schema can tell")

EXCLUDED_OPERATION_CHECKS = {
    ("POST /api/v1/accounts", "positive_data_acceptance"): A_SECRET,
    ("POST /api/v1/accounts/verification", "positive_data_acceptance"): A_SECRET,
    ("POST /api/v1/accounts/email-change/confirm", "positive_data_acceptance"): A_SECRET,
    ("POST /api/v1/auth/password-reset/confirm", "positive_data_acceptance"): A_SECRET,
    ("POST /api/v1/me/deletion", "positive_data_acceptance"): A_SECRET,
    ("POST /api/v1/me/email", "positive_data_acceptance"): A_SECRET,
    ("POST /api/v1/me/password", "positive_data_acceptance"): A_SECRET,
    ("PATCH /api/v1/me", "positive_data_acceptance"): A_RULE_ACROSS_FIELDS,
    ("PUT /api/v1/budget/cycles/{cycle_id}/ballot", "positive_data_acceptance"): A_RULE_ACROSS_FIELDS,
    ("POST /api/v1/budget/cycles/{cycle_id}/projects", "positive_data_acceptance"): AN_EXISTING_REFERENCE,
    ("GET /api/v1/open-data/{dataset}", "positive_data_acceptance"): A_SERVERS_CURSOR,
    ("GET /api/v1/me/space", "positive_data_acceptance"): A_SERVERS_CURSOR,
    # the scheme named in the body decides which of its own `fields` are required and what they take
    ("POST /api/v1/act/dossiers", "positive_data_acceptance"): A_RULE_ACROSS_FIELDS,
}


def excluded(operation: str, checks) -> bool:
    return any((operation, check) in EXCLUDED_OPERATION_CHECKS for check in checks)


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    return not excluded(case.operation.label, failure.checks)
