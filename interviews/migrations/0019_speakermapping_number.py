"""Each speaker carries its number in its interview ("Speaker 2" for readers who may not see the label), so
naming speakers costs no query. Existing speakers are numbered by id within their interview, which is how the
number was worked out until now."""

from django.db import migrations, models

from empathy_site.tenancy.migration_ops import update_every_organization

NUMBER_BY_ID = """
UPDATE interviews_speakermapping SET number = numbered.n
FROM (SELECT id, row_number() OVER (PARTITION BY interview_id ORDER BY id) AS n FROM interviews_speakermapping) AS numbered
WHERE numbered.id = interviews_speakermapping.id
"""


def number_existing_speakers(apps, schema_editor):
    update_every_organization(schema_editor, "interviews_speakermapping", [NUMBER_BY_ID])


class Migration(migrations.Migration):

    dependencies = [
        ("interviews", "0018_search_ranked_page_and_headline"),
    ]

    operations = [
        migrations.AddField(
            model_name="speakermapping",
            name="number",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.RunPython(number_existing_speakers, migrations.RunPython.noop),
    ]
