"""Roles and their permission codes (`module:resource:action`)."""

from dangjian.kit.labeled import LabeledEnum


class Role(LabeledEnum):
    city_admin = "city_admin", "市委组织部"
    county_organizer = "county_organizer", "县（市、区）委组织部"
    township_organizer = "township_organizer", "乡镇（街道）党（工）委组织委员"
    branch_secretary = "branch_secretary", "党支部书记"
    member = "member", "党员"
    inspector = "inspector", "督查指导领导（包乡包村）"


READ = frozenset({
    "org:org:read", "member:member:read", "stats:report:read", "stats:check:read",
    "meeting:meeting:read", "meeting:compliance:read",
})
# Keeping the records of organizational life: organizers and branch secretaries.
MEETING_WRITE = frozenset({"meeting:meeting:write", "meeting:group:write"})
ORGANIZER = READ | {
    "org:org:create", "org:org:update", "org:org:move", "org:org:dissolve",
    "member:member:create", "member:member:update", "member:member:leave", "member:personal:reveal",
    "stats:report:export", "audit:event:read",
    "member:member:import", "member:member:export",
} | MEETING_WRITE
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.city_admin: ORGANIZER | {"auth:user:manage"},
    Role.county_organizer: ORGANIZER,
    Role.township_organizer: ORGANIZER - {"audit:event:read"},
    Role.branch_secretary: READ | MEETING_WRITE | {"member:member:create", "member:member:update", "member:personal:reveal"},
    Role.member: frozenset({"member:member:read", "member:personal:reveal", "meeting:meeting:read"}),
    Role.inspector: READ,
}
# Every signed-in user may manage their own password and script tokens.
OWN = frozenset({"auth:token:manage"})


def permissions_of(role: str) -> frozenset[str]:
    return PERMISSIONS[Role(role)] | OWN
