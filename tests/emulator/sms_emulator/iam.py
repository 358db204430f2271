"""The one IAM call the SDK makes: GET /v3/projects?name=<region> (the project of the region)."""


def list_projects(call):
    emulator = call.emulator
    name = call.query.get("name")
    if name and name != emulator.region:
        return 200, {"projects": [], "links": {"self": None}}
    return 200, {"projects": [{"id": emulator.project_id, "name": emulator.region, "domain_id": emulator.domain_id,
                               "enabled": True, "is_domain": False, "parent_id": emulator.domain_id,
                               "description": "", "links": {}}],
                 "links": {"self": None}}


ROUTES = (
    ("GET", "/v3/projects", "iam:projects:listProjects", None, list_projects),
)
