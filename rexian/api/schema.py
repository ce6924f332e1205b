"""OpenAPI document settings that belong to the API app."""


def only_api_v1(endpoints, **kwargs):
    """Keep the document to /api/v1/: other apps' views (Open311, portal) are not part of this API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
