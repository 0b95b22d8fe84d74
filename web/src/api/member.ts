// 党员名册: the roster (filtered, sorted, paged), one member, their history, the writes (create,
// edit, leave) and the audited reveal of personal data. See src/dangjian/member/router.py.
import type { components, operations } from './schema'
import { get, patch, post } from './http'

type Schemas = components['schemas']

export type MemberListItem = Schemas['MemberListItem']
export type MemberPage = Schemas['MemberPage']
export type MemberDetail = Schemas['MemberDetail']
export type MemberHistory = Schemas['MemberHistory']
export type MemberEventRead = Schemas['MemberEventRead']
export type MemberPeriodRead = Schemas['MemberPeriodRead']
export type MemberCreate = Schemas['MemberCreate']
export type MemberPatch = Schemas['MemberPatch']
export type MemberLeave = Schemas['MemberLeave']
export type RevealedPersonal = Schemas['RevealedPersonal']
export type PersonalField = NonNullable<Schemas['RevealRequest']['fields']>[number]
export type Gender = Schemas['Gender']
export type Occupation = Schemas['Occupation']
export type Employment = Schemas['Employment']
export type EducationGroup = Schemas['EducationGroup']
export type MemberStatus = Schemas['MemberStatus']
export type LeaveReason = Schemas['LeaveReason']

/** The filters, order and page of `GET /members` (every one optional). */
export type MemberQuery = NonNullable<operations['list_members_api_v1_members_get']['parameters']['query']>
export type MemberSort = NonNullable<MemberQuery['sort']>
export type EducationCode = NonNullable<MemberQuery['education']>

/** One page of the roster within the caller's scope; ID numbers masked. */
export const fetchMembers = (query: MemberQuery = {}) => get<MemberPage>('/members', { ...query })

/** One member; ID number, phone and address masked. */
export const fetchMember = (memberId: number) => get<MemberDetail>(`/members/${memberId}`)

/** Events (with labels) and dated periods, oldest first; personal data masked. */
export const fetchMemberHistory = (memberId: number) => get<MemberHistory>(`/members/${memberId}/history`)

export const createMember = (body: MemberCreate) => post<MemberDetail>('/members', body)

/** Only the fields sent change; `version` is the one the user saw (409 when somebody changed it since);
 * `effective_on` is the day a change of situation holds from. */
export const updateMember = (memberId: number, body: MemberPatch) => patch<MemberDetail>(`/members/${memberId}`, body)

/** 出党: the member leaves the roster for a reason; the record is kept, never deleted. */
export const leaveMember = (memberId: number, body: MemberLeave) => post<MemberDetail>(`/members/${memberId}/leave`, body)

/** The full ID number, phone and address (the server records who looked in the audit log). */
export const revealMember = (memberId: number, fields?: PersonalField[]) =>
  post<RevealedPersonal>(`/members/${memberId}/reveal`, fields ? { fields } : undefined)
