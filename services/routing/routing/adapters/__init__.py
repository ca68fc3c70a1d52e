"""Code that speaks to the outside world: the schemes' webhooks."""
