// 组织生活: the records (台账) with attendance and attachments, party groups, and the compliance views
// under /stats/org-life (三会一课 etc.). See src/dangjian/meeting/router.py and docs/meetings.md.
import type { components, operations } from './schema'
import { download, get, patch, post, request, upload, type Query } from './http'

type Schemas = components['schemas']

export type MeetingKind = Schemas['MeetingKind']
export type AttendanceStatus = Schemas['AttendanceStatus']
export type KindStatus = Schemas['KindStatus']
export type LifeStatus = Schemas['LifeStatus']
export type Signal = Schemas['Signal']

export type MeetingListItem = Schemas['MeetingListItem']
export type MeetingPage = Schemas['MeetingPage']
export type MeetingDetail = Schemas['MeetingDetail']
export type MeetingCreate = Schemas['MeetingCreate']
export type MeetingPatch = Schemas['MeetingPatch']
export type AttendanceIn = Schemas['AttendanceIn']
export type AttendanceRead = Schemas['AttendanceRead']
export type AttachmentRead = Schemas['AttachmentRead']
export type Attendee = Schemas['Attendee']
export type PartyGroup = Schemas['PartyGroupRead']
export type PartyGroupCreate = Schemas['PartyGroupCreate']
export type PartyGroupPatch = Schemas['PartyGroupPatch']

export type StatusCounts = Schemas['StatusCounts']
export type ComplianceReport = Schemas['ComplianceReport']
export type ComplianceChild = Schemas['ComplianceChild']
export type KindCell = Schemas['KindCell']
export type BranchLife = Schemas['BranchLifeRead']
export type BranchLifePage = Schemas['BranchLifePage']
export type BranchLifeDetail = Schemas['BranchLifeDetail']
export type KindDetail = Schemas['KindDetail']
export type PeriodCell = Schemas['PeriodCell']
export type Participation = Schemas['Participation']
export type ParticipationPage = Schemas['ParticipationPage']
export type LapsedMember = Schemas['LapsedMember']
export type LapsedPage = Schemas['LapsedPage']

/** The filters and page of `GET /meetings` (the organization includes its subtree). */
export type MeetingQuery = NonNullable<operations['list_meetings_api_v1_meetings_get']['parameters']['query']>
/** A report's span: `start` empty = 1 January of the end's year; `end` empty = today (the server's). */
export interface Period {
  start?: string | null
  end?: string | null
}
export type ComplianceQuery = Period & { org_id?: number | null }
export type BranchLifeQuery = ComplianceQuery & { status?: LifeStatus | null; page?: number; page_size?: number }
export type ParticipationQuery = ComplianceQuery & { page?: number; page_size?: number }
export interface LapsedQuery {
  org_id?: number | null
  on?: string | null
  page?: number
  page_size?: number
}

// ---- records ---------------------------------------------------------------------------------

/** Records of the organization and below (of the caller's scope without one), newest first. */
export const fetchMeetings = (query: MeetingQuery = {}) => get<MeetingPage>('/meetings', { ...query })

export const fetchMeeting = (meetingId: number) => get<MeetingDetail>(`/meetings/${meetingId}`)

/** Members of the organization on the day (formal relation or floating in), to take attendance from;
 * with a group, only its members. */
export const fetchAttendees = (orgId: number, on: string, groupId?: number | null) =>
  get<Attendee[]>('/meetings/attendees', { org_id: orgId, on, group_id: groupId ?? undefined })

export const createMeeting = (body: MeetingCreate) => post<MeetingDetail>('/meetings', body)

/** Only the fields sent change; `version` is the one the user saw (409 when somebody changed it since);
 * `edit_reason` when the record's `reason_needed`. */
export const updateMeeting = (meetingId: number, body: MeetingPatch) => patch<MeetingDetail>(`/meetings/${meetingId}`, body)

export const deleteMeeting = (meetingId: number, version: number, reason?: string | null) =>
  request<void>('DELETE', `/meetings/${meetingId}`, { query: { version, reason: reason || undefined } })

// ---- attachments -----------------------------------------------------------------------------

/** The types the server takes, by file name (for browsers that do not say a file's type). */
const TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}
export const ATTACHMENT_ACCEPT = Object.keys(TYPES).map((ext) => `.${ext}`).join(',')

/** Sends the file as the request body, its name in the query. */
export function uploadAttachment(meetingId: number, file: File) {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? ''
  return upload<AttachmentRead>(`/meetings/${meetingId}/attachments`, { filename: file.name }, file, TYPES[ext] ?? 'application/octet-stream')
}

/** Downloads an attachment under its name; returns the name. */
export const downloadAttachment = (meetingId: number, attachment: AttachmentRead) =>
  download(`/meetings/${meetingId}/attachments/${attachment.id}`, {}, attachment.filename)

export const deleteAttachment = (meetingId: number, attachmentId: number) =>
  request<void>('DELETE', `/meetings/${meetingId}/attachments/${attachmentId}`)

// ---- party groups ----------------------------------------------------------------------------

export const fetchGroups = (orgId: number) => get<PartyGroup[]>('/party-groups', { org_id: orgId })
export const createGroup = (body: PartyGroupCreate) => post<PartyGroup>('/party-groups', body)
export const updateGroup = (groupId: number, body: PartyGroupPatch) => patch<PartyGroup>(`/party-groups/${groupId}`, body)

// ---- compliance ------------------------------------------------------------------------------

const q = (query: object): Query => ({ ...(query as Query) })

/** Branches by status over the span, for the organization and each child (org empty = the caller's scope). */
export const fetchOrgLife = (query: ComplianceQuery = {}) => get<ComplianceReport>('/stats/org-life', q(query))

/** The branches below the organization, the worst first, with each kind's status. */
export const fetchBranchLives = (query: BranchLifeQuery = {}) => get<BranchLifePage>('/stats/org-life/branches', q(query))

/** One branch: each kind's periods (months, quarters, the year) with their status and records held. */
export const fetchBranchLife = (branchId: number, period: Period = {}) =>
  get<BranchLifeDetail>(`/stats/org-life/branches/${branchId}`, q(period))

/** Members' attendance over the span, the lowest rate first. */
export const fetchParticipation = (query: ParticipationQuery = {}) => get<ParticipationPage>('/stats/org-life/participation', q(query))

/** 自行脱党 warning: members with no organizational life for six months up to `on` (a reminder for follow-up). */
export const fetchLapsed = (query: LapsedQuery = {}) => get<LapsedPage>('/stats/org-life/lapsed', q(query))
