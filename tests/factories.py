"""Factories. Sub-factories keep one organisation: a child always shares its parent's org.

With no `organization=` given, a factory uses the active tenant (`with in_org(org): StudyFactory()`),
and only outside any tenant creates an organisation of its own.
"""

import factory
from django.contrib.auth import get_user_model

from empathy_site.tenancy.context import active_org_id
from empathy_site.tenancy.models import Membership, Organization, Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")


def active_or_new_organization():
    """An `organization` declaration: the active tenant's organisation, else a new one from OrganizationFactory."""
    return factory.Maybe(
        factory.LazyFunction(lambda: active_org_id() is not None),
        yes_declaration=factory.LazyFunction(lambda: Organization.objects.get(pk=active_org_id())),
        no_declaration=factory.SubFactory(OrganizationFactory),
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = active_or_new_organization()
    user = factory.SubFactory(UserFactory)
    role = Role.RESEARCHER
