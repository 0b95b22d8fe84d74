// 党组织: the tree (roots, children), search, detail, the writes (create, edit, move, dissolve),
// and the lookups their forms need (units, divisions). See src/dangjian/org/router.py.
import type { components, operations } from './schema'
import { get, patch, post } from './http'

type Schemas = components['schemas']

export type OrgKind = Schemas['OrgKind']
export type OrgNode = Schemas['OrgNode']
export type OrgSearchHit = Schemas['OrgSearchHit']
export type OrgDetail = Schemas['OrgDetail']
export type OrgRef = Schemas['OrgRef']
export type OrgCounts = Schemas['OrgCounts']
export type OrgHistoryEvent = Schemas['OrgHistoryEvent']
export type OrgCreate = Schemas['OrgCreate']
export type OrgUpdate = Schemas['OrgUpdate']
export type OrgMove = Schemas['OrgMove']
export type OrgDissolve = Schemas['OrgDissolve']
export type DissolveReason = Schemas['DissolveReason']
export type UnitRead = Schemas['UnitRead']
export type DivisionRef = Schemas['DivisionRef']
export type DivisionRead = Schemas['DivisionRead']

export type ChildrenQuery = NonNullable<operations['list_children_api_v1_orgs__org_id__children_get']['parameters']['query']>
export type UnitQuery = NonNullable<operations['list_units_api_v1_units_get']['parameters']['query']>

/** Where the caller's tree starts (the tops of their data scope). */
export const fetchRoots = () => get<OrgNode[]>('/orgs/roots')

/** One level of the tree below an organization (dissolved ones only when asked). */
export const fetchChildren = (orgId: number, query: ChildrenQuery = {}) => get<OrgNode[]>(`/orgs/${orgId}/children`, { ...query })

/** Organizations in scope whose name contains `q` or whose code starts with it, live ones first. */
export const searchOrgs = (q: string, limit = 20) => get<OrgSearchHit[]>('/orgs/search', { q, limit })

export const fetchOrg = (orgId: number) => get<OrgDetail>(`/orgs/${orgId}`)

export const createOrg = (body: OrgCreate) => post<OrgDetail>('/orgs', body)

/** Only the fields sent change; `version` is the one the user saw (409 when somebody changed it since). */
export const updateOrg = (orgId: number, body: OrgUpdate) => patch<OrgDetail>(`/orgs/${orgId}`, body)

export const moveOrg = (orgId: number, body: OrgMove) => post<OrgDetail>(`/orgs/${orgId}/move`, body)

export const dissolveOrg = (orgId: number, body: OrgDissolve) => post<OrgDetail>(`/orgs/${orgId}/dissolve`, body)

/** Units that may be chosen: those of organizations in scope and those without an organization yet. */
export const fetchUnits = (query: UnitQuery = {}) => get<UnitRead[]>('/units', { ...query })

/** The divisions directly below `parentCode` (the top ones without it). */
export const fetchDivisions = (parentCode?: string | null) => get<DivisionRead[]>('/divisions', { parent_code: parentCode })

/** The ids on an organization's path, from the top of the whole tree down to it (`/1/9/10/` → [1, 9, 10]). */
export const pathIds = (path: string): number[] =>
  path
    .split('/')
    .filter((part) => part !== '')
    .map(Number)
