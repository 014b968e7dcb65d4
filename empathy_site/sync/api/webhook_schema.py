"""The webhook event catalogue in the OpenAPI document: one `WebhookEvent_<event>` component per event.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]). OpenAPI 3.0 has no
`webhooks` section, so the bodies we POST to receivers are published as components: each event's envelope
(`type`, `timestamp`, `data`) with `data.object` referring to the component of the sync type's serializer,
the representation its REST detail endpoint answers. `WebhookEvent` is their union, keyed by `type`.
Every event in the registry gets one; docs/webhooks.md says what triggers each.
"""

from drf_spectacular.plumbing import ResolvedComponent

from ..registry import ACTIONS, sync_types, webhook_event_types
from ..webhooks import PING_EVENT

COMPONENT_PREFIX = "WebhookEvent_"
UNION_COMPONENT = "WebhookEvent"
# An erasure event says only which object was erased: its content is what was erased.
ERASURE_ACTION = "erased"


def component_name(event_type: str) -> str:
    # Dots are legal in 3.0 component names but trip code generators: highlight.created -> WebhookEvent_highlight_created.
    return COMPONENT_PREFIX + event_type.replace(".", "_")


def catalogue() -> list[str]:
    """Every event a receiver can get: those endpoints subscribe to, and the ping sent on request."""
    return [*webhook_event_types(), PING_EVENT]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _serializer_components(generator) -> dict[type, str]:
    """Serializer class -> the name of its response component, from the components this schema built.

    drf-spectacular's registry has no public iteration; with COMPONENT_SPLIT_REQUEST a serializer also has
    `...Request` (and `Patched...Request`) components, which describe what clients send, not what we show.
    """
    found: dict[type, str] = {}
    for component in generator.registry._components.values():
        if component.type != ResolvedComponent.SCHEMA or component.name.endswith("Request"):
            continue
        identity = component.object if isinstance(component.object, type) else type(component.object)
        found.setdefault(identity, component.name)
    return found


def _data_schema(event_type: str, serializers: dict[type, str]) -> tuple[dict, str]:
    """The schema of `data` and a sentence on when the event is sent."""
    if event_type == PING_EVENT:
        return {
            "type": "object", "required": ["type", "id", "ping"],
            "properties": {"type": {"type": "string", "enum": ["webhook"]},
                           "id": {"type": "string", "format": "uuid", "description": "The endpoint pinged."},
                           "ping": {"type": "boolean", "enum": [True]}},
        }, "Sent to one endpoint when POST /api/v1/webhooks/{id}/ping/ asks for a test event."
    object_type, _, action = event_type.partition(".")
    header = {"type": {"type": "string", "enum": [object_type]},
              "id": {"type": "string", "format": "uuid", "description": f"The {object_type}'s id."}}
    if action == ERASURE_ACTION:
        return {
            "type": "object", "required": ["type", "id", "erased"],
            "properties": {**header, "erased": {"type": "boolean", "enum": [True]}},
        }, f"A {object_type} was erased; only its id is sent, its content is gone everywhere."
    entry = sync_types().get(object_type)
    if entry is None:
        raise LookupError(f"The webhook event {event_type!r} names no sync type; register {object_type!r} "
                          "with register_sync_type or name the event <sync type>.<action>.")
    serializer = entry[1]
    if serializer not in serializers:
        raise LookupError(f"No schema component for {serializer.__name__} ({object_type}): serve it from an API "
                          "endpoint so drf-spectacular builds its component.")
    # In 3.0 a $ref takes no siblings (description, nullable): allOf carries them.
    object_schema = {"allOf": [_ref(serializers[serializer])],
                     "description": f"The {object_type} as its REST detail endpoint shows it."}
    if action not in ACTIONS:
        return {
            "type": "object", "required": ["type", "id", "object"], "properties": {**header, "object": object_schema},
        }, f"Workflow event on a {object_type} (see the webhook catalogue in docs/webhooks.md)."
    if action == "deleted":
        object_schema = {"type": "object", "nullable": True,
                         "description": f"Always null: the {object_type} is gone."}
    changed_fields = {"type": "array", "items": {"type": "string"},
                      "description": "The API fields that changed: every field on create, none on delete."}
    return {
        "type": "object", "required": ["type", "id", "object", "changed_fields"],
        "properties": {**header, "object": object_schema, "changed_fields": changed_fields},
    }, f"A {object_type} was {action}."


def add_webhook_event_components(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: adds a component per webhook event, and their union."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    serializers = _serializer_components(generator)
    mapping = {}
    for event_type in catalogue():
        data, when = _data_schema(event_type, serializers)
        name = component_name(event_type)
        schemas[name] = {
            "type": "object",
            "description": f"The body POSTed to a receiver for `{event_type}`. {when} Verify the "
                           "webhook-signature header (Standard Webhooks) before trusting it.",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "enum": [event_type]},
                "timestamp": {"type": "string", "format": "date-time", "description": "When the event happened."},
                "data": data,
            },
        }
        mapping[event_type] = _ref(name)["$ref"]
    schemas[UNION_COMPONENT] = {
        "description": "Any webhook body, told apart by `type`.",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }
    return result
