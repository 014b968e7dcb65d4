# The audit log's actions become one choices class (AuditAction); the column is unchanged.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0004_invitation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "Login"),
                    ("logout", "Logout"),
                    ("login_failed", "Login failed"),
                    ("organization_created", "Organisation created"),
                    ("organization_deleted", "Organisation deleted"),
                    ("member_added", "Member added"),
                    ("member_invited", "Member invited"),
                    ("member_removed", "Member removed"),
                    ("role_changed", "Role changed"),
                    ("invitation_accepted", "Invitation accepted"),
                    ("invitation_revoked", "Invitation withdrawn"),
                    ("api_key_created", "API key created"),
                    ("api_key_revoked", "API key revoked"),
                    ("webhook_created", "Webhook created"),
                    ("webhook_deleted", "Webhook deleted"),
                    ("participant_deleted", "Participant deleted"),
                    ("participant_erased", "Participant erased"),
                    ("participant_exported", "Participant data exported"),
                    ("study_deleted", "Study deleted"),
                    ("interview_deleted", "Interview deleted"),
                    ("tag_merged", "Tag merged"),
                    ("tag_deleted", "Tag deleted"),
                    ("privacy_policy_changed", "Privacy policy changed"),
                    ("evidence_policy_changed", "Evidence policy changed"),
                    ("persona_deleted", "Persona deleted"),
                    ("message_override_approved", "Message approved despite the evidence policy"),
                ],
                max_length=60,
            ),
        ),
    ]
