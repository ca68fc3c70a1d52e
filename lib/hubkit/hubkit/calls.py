"""Which identity may call which RPC: the one table (docs/security.md prints it).

An RPC not named here is the gateway's alone: it acts for a citizen or an agent, whose roles the service
checks on its own data. The internal RPCs below give out what no citizen may ask for directly (e-mail domains,
eligibility attributes, an e-mail to any account…): only the listed services may call them. `status` (hubkit.status,
the admin page "État du hub") is not listed, so it is the gateway's alone, and it also requires an administrator.
`health` and `reference_data` (codes and labels, public) answer any verified identity. A caller not allowed is
refused and counted (`hub_trust_refusals_total{reason="not_allowed"}`).
"""
ANY_IDENTITY = frozenset({"gateway", "accounts", "ideas", "budget", "petitions", "routing", "notifications"})
OPEN_TO_ANY_IDENTITY = frozenset({"health", "reference_data"})

CALLERS = {
    # accounts: the addresses and attributes behind the pseudonyms
    ("accounts", "notify"): {"notifications"},  # budget's, petitions', ideas', routing's: notifications' (issue 15)
    ("accounts", "eligibility_attributes"): {"budget", "routing"},
    ("accounts", "eligibility_attributes_many"): {"budget", "petitions"},
    ("accounts", "email_domains"): {"petitions"},
    ("accounts", "public_profiles"): {"ideas", "petitions", "routing"},  # routing: agents named in its history
    ("accounts", "get_account"): {"gateway", "budget"},
    ("accounts", "search_accounts"): {"gateway", "budget"},
    # ideas: what routing and the forwarded drafts read or change
    ("ideas", "submissions"): {"routing"},
    ("ideas", "get_idea"): {"gateway", "budget", "petitions", "routing", "notifications"},
    ("ideas", "merge_ideas"): {"gateway", "routing"},
    # the owners' public reads « Mon espace » (notifications) takes an item's title from, once
    ("ideas", "get_consultation"): {"gateway", "notifications"},
    ("ideas", "get_proposal"): {"gateway", "notifications"},  # an amendment's titles and note, for its notices
    ("budget", "get_project"): {"gateway", "notifications"},
    ("budget", "get_cycle"): {"gateway", "notifications"},
    ("petitions", "get_petition"): {"gateway", "notifications"},
    ("routing", "get_scheme"): {"gateway", "notifications"},
    # the signed-in person's own space: the gateway's alone
    ("notifications", "my_space"): {"gateway"},
}


def allowed_callers(service: str, method: str) -> frozenset:
    if method in OPEN_TO_ANY_IDENTITY:
        return ANY_IDENTITY
    return frozenset(CALLERS.get((service, method), {"gateway"}))


def may_call(caller: str, service: str, method: str) -> bool:
    return caller in allowed_callers(service, method)
