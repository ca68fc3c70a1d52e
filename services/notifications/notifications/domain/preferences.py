"""Categories of notifications, the channels a person may choose for each, and the defaults."""

__all__ = ["RuleBroken", "MY_IDEAS", "FOLLOWED", "MY_PROJECTS", "MY_PETITIONS", "SIGNED_PETITIONS", "CONSULTATIONS",
           "ASSIGNMENTS", "CATEGORIES", "HUB", "EMAIL", "DIGEST", "NEVER", "CHANNELS", "DEFAULT_CHANNELS", "STORED_CHANNELS", "channel_of",
           "preferences_view", "preference_problems", "WEEKLY_DIGEST", "UNSUBSCRIBABLE"]


class RuleBroken(Exception):
    """A rule refused the input; `field` names the input at fault. `code` RULE_BROKEN is bad input (400)."""

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


MY_IDEAS, FOLLOWED, MY_PROJECTS = "my_ideas", "followed", "my_projects"
MY_PETITIONS, SIGNED_PETITIONS, CONSULTATIONS = "my_petitions", "signed_petitions", "consultations"
ASSIGNMENTS = "assignments"  # staff: the ideas a colleague confided to them (routing's idea_assigned)
CATEGORIES = {  # code -> label, in the order the preferences page shows them
    MY_IDEAS: "Mes idées",
    FOLLOWED: "Ce que je suis",
    MY_PROJECTS: "Mes projets du budget participatif",
    MY_PETITIONS: "Mes pétitions",
    SIGNED_PETITIONS: "Pétitions signées",
    CONSULTATIONS: "Consultations",
    ASSIGNMENTS: "Idées qui me sont confiées",
}

HUB, EMAIL, DIGEST, NEVER = "hub", "email", "digest", "never"
CHANNELS = {
    HUB: "Dans le hub seulement",
    EMAIL: "Par e-mail, tout de suite",
    DIGEST: "Par e-mail, une fois par semaine",
    NEVER: "Jamais",
}
STORED_CHANNELS = (HUB, EMAIL, DIGEST)  # `never` stores nothing

# A digest mixes categories: its unsubscribe link names this pseudo-category, which stops every category the person
# receives by digest (each becomes `never`, like any unsubscribe).
WEEKLY_DIGEST = "weekly_digest"
UNSUBSCRIBABLE = {**CATEGORIES, WEEKLY_DIGEST: "Le récapitulatif hebdomadaire"}

# What someone wrote, carries or must handle is worth an e-mail at once; what they follow, a weekly one. A signed
# petition tells only the signers who ticked « être informé·e » when signing: they asked, so at once (as petitions
# e-mailed them before the notifications service did).
DEFAULT_CHANNELS = {MY_IDEAS: EMAIL, MY_PROJECTS: EMAIL, MY_PETITIONS: EMAIL, FOLLOWED: DIGEST,
                    SIGNED_PETITIONS: EMAIL, CONSULTATIONS: DIGEST, ASSIGNMENTS: EMAIL}


def channel_of(category: str, chosen: dict) -> str:
    """The channel for `category`: the person's choice (`chosen`: category -> channel), else the default."""
    return chosen.get(category) or DEFAULT_CHANNELS[category]


def preferences_view(chosen: dict) -> dict:
    """Every category with its label and channel, and the channels with theirs (for the preferences form)."""
    return {"preferences": [{"category": code, "label": label, "channel": channel_of(code, chosen)}
                            for code, label in CATEGORIES.items()],
            "channels": [{"code": code, "label": label} for code, label in CHANNELS.items()]}


def preference_problems(wanted: dict) -> dict:
    """What is wrong in `wanted` (category -> channel): {category: [message]} for each unknown category or
    channel; empty when all are known (then, and only then, the preferences change)."""
    problems = {}
    for category, channel in wanted.items():
        if category not in CATEGORIES:
            problems[str(category)[:40]] = ["Catégorie inconnue."]
        elif channel not in CHANNELS:
            problems[category] = [f"Canal inconnu : {str(channel)[:40]}. Choisissez parmi : {', '.join(CHANNELS)}."]
    return problems
