"""Settings the importer reads, with defaults suited to a customer-service blog."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pelican.settings import DEFAULT_CONFIG

from .cleanup import boilerplate_matcher

EMAIL_POLICIES = ("cloak", "drop")

# tag -> keywords (whole words or phrases) that suggest it; keywords with capitals ("HR")
# match case-sensitively, the others in any case.
DEFAULT_TAG_VOCABULARY = {
    "billing": [
        "bill",
        "bills",
        "billing",
        "billed",
        "double-billed",
        "invoice",
        "overcharge",
        "overcharges",
        "overcharged",
        "refund",
        "charged",
    ],
    "complaints": [
        "complaint",
        "complaints",
        "complain",
        "complained",
        "angry customer",
        "frustrated",
        "frustration",
        "angry",
        "upset",
    ],
    "customer-experience": ["customer experience", "experience", "journey", "touchpoint"],
    "loyalty": ["loyalty", "loyal", "repeat customer", "fan", "customers for life", "refer"],
    "escalation": ["supervisor", "escalate", "escalated", "escalation", "hoops"],
    "feedback": ["feedback", "survey", "surveys", "listen", "listening", "suggestion"],
    "hr": ["HR", "human resources", "employee", "employees", "benefit plans", "promotion"],
    "leadership": ["leader", "leaders", "leadership", "executive", "executives"],
    "coaching": ["coach", "coaching", "coached", "mentor", "mentoring"],
    "relationships": ["relationship", "relationships", "rapport", "trust", "trusting"],
    "communication": ["communication", "communicate", "conversation", "conversations", "dialogue"],
    "social-media": ["twitter", "tweet", "tweeting", "facebook", "social media", "linkedin"],
    "self-service": ["self-service", "faq", "website", "knowledge base"],
    "first-contact-resolution": ["right first time", "first time", "resolution", "resolve", "resolved"],
    "empowerment": ["initiative", "authority", "empower", "empowered", "policy"],
    "retail": ["retail", "retailer", "store", "shop", "price", "prices"],
    "telecom": ["wireless", "carrier", "cell phone", "texting", "texts", "phone bills"],
    "subscriptions": ["subscription", "subscriber", "premium", "account"],
    "training": ["training", "workshop", "workshops", "trainer"],
    "knowledge-management": ["knowledge", "information", "insight", "insights"],
    "process-improvement": ["process", "processes", "improve", "improvement", "performance", "quality"],
    "support": ["support", "help desk", "helpdesk", "ticket", "call center", "contact center"],
}


@dataclass(frozen=True)
class ImportSettings:
    """What the importer reads from a Pelican-style settings dict (see `from_mapping`)."""

    email_policy: str = "cloak"
    tag_vocabulary: Mapping[str, Sequence[str]] = field(default_factory=lambda: DEFAULT_TAG_VOCABULARY)
    category: str = "Imported"
    slug_substitutions: Sequence[tuple[str, str]] = tuple(DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    boilerplate_patterns: tuple[str, ...] = ()  # the site's own, beside the built-in kinds

    def __post_init__(self):
        if self.email_policy not in EMAIL_POLICIES:
            raise ValueError(f"IMPORT_EMAIL_POLICY must be one of {EMAIL_POLICIES}, not {self.email_policy!r}")

    @property
    def boilerplate(self) -> re.Pattern:
        return boilerplate_matcher(tuple(self.boilerplate_patterns))

    @classmethod
    def from_mapping(cls, settings: Mapping | None) -> "ImportSettings":
        """Read the IMPORT_* keys, the site's COMMENT_BOILERPLATE_PATTERNS and Pelican's
        SLUG_REGEX_SUBSTITUTIONS from a settings dict."""
        settings = settings or {}
        defaults = cls()
        return cls(
            email_policy=settings.get("IMPORT_EMAIL_POLICY", defaults.email_policy),
            tag_vocabulary=settings.get("IMPORT_TAG_VOCABULARY", defaults.tag_vocabulary),
            category=settings.get("IMPORT_CATEGORY", defaults.category),
            slug_substitutions=tuple(settings.get("SLUG_REGEX_SUBSTITUTIONS", defaults.slug_substitutions)),
            boilerplate_patterns=tuple(settings.get("COMMENT_BOILERPLATE_PATTERNS") or ()),
        )
