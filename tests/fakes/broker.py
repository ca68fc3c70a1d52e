"""The shared fakes on a real broker: nameko services named like the real ones, for the tests that run a service
in a nameko container and let it call its peers over RabbitMQ. Each answers from the fake a test hands it
(`FakeAccountsService.serving(accounts)`), so a test sets up and reads one fake whichever way it is called."""
from nameko.rpc import rpc

from .accounts import FakeAccounts
from .ideas import FakeIdeas


class FakeAccountsService:
    """The accounts service on the broker, answering from a `FakeAccounts`."""
    name = "accounts"
    fake = FakeAccounts()

    @classmethod
    def serving(cls, fake: FakeAccounts) -> type:
        """This service class, answering from `fake` (the workers nameko creates read it from the class)."""
        cls.fake = fake
        return cls

    @rpc
    def public_profiles(self, data):
        return self.fake.public_profiles(data)

    @rpc
    def eligibility_attributes(self, data):
        return self.fake.eligibility_attributes(data)

    @rpc
    def eligibility_attributes_many(self, data):
        return self.fake.eligibility_attributes_many(data)

    @rpc
    def email_domains(self, data):
        return self.fake.email_domains(data)

    @rpc
    def notify(self, data):
        return self.fake.notify(data)

    @rpc
    def reference_data(self):
        return self.fake.reference_data()

    @rpc
    def get_account(self, actor):
        return self.fake.get_account(actor)

    @rpc
    def search_accounts(self, actor, data):
        return self.fake.search_accounts(actor, data)


class FakeIdeasService:
    """The ideas service on the broker, answering from a `FakeIdeas`."""
    name = "ideas"
    fake = FakeIdeas()

    @classmethod
    def serving(cls, fake: FakeIdeas) -> type:
        cls.fake = fake
        return cls

    @rpc
    def get_idea(self, data, actor=None):
        return self.fake.get_idea(data, actor)

    @rpc
    def submissions(self, data):
        return self.fake.submissions(data)
