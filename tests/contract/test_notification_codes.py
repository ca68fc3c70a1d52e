"""The category and channel codes the gateway publishes in its OpenAPI (a client picks from them) are the
notifications service's own: a code added there and not here would be refused by the published schema."""
from gateway import notifications_schemas
from notifications.domain import preferences


def test_the_published_categories_and_channels_are_the_services():
    assert tuple(preferences.CATEGORIES) == notifications_schemas.CATEGORY_CODES
    assert tuple(preferences.CHANNELS) == notifications_schemas.CHANNEL_CODES
    assert len(preferences.CATEGORIES) == notifications_schemas.CATEGORIES
