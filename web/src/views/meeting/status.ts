// What the organizational-life pages share: the colours of statuses and signals (labels come from
// /dicts), the report's span, and the kinds of organization that keep records.
import type { AttendanceStatus, KindStatus, LifeStatus, MeetingKind, Signal } from '@/api/meeting'
import { today } from '@/composables/forms'

export { fmt, message, today, useNarrow, useServerErrors, afterToday, BRANCH_KINDS } from '@/composables/forms'
export { shortName } from '@/views/dashboard/options'

/** Organizations that record organizational life (基层党委、党总支、党支部). */
export const BASIC_LEVEL_KINDS: readonly string[] = ['committee', 'general_branch', 'branch', 'joint_branch']

/** Branch status, worst last (the order of the cards and the chart's stack). */
export const LIFE_STATUSES: LifeStatus[] = ['regular', 'irregular', 'half_paralysed', 'paralysed']
export const LIFE_COLORS: Record<LifeStatus, string> = {
  regular: '#2e7d32',
  irregular: '#f9a825',
  half_paralysed: '#ef6c00',
  paralysed: '#c62828',
}
export const SIGNAL_COLORS: Record<Signal, string> = { green: '#2e7d32', amber: '#f9a825', red: '#c62828' }
export const KIND_COLORS: Record<KindStatus, string> = {
  done: '#2e7d32',
  due: '#1565c0',
  overdue: '#c62828',
  not_required: '#c0c4cc',
}

type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary'
export const LIFE_TAGS: Record<LifeStatus, TagType> = { regular: 'success', irregular: 'warning', half_paralysed: 'danger', paralysed: 'danger' }
export const KIND_TAGS: Record<KindStatus, TagType> = { done: 'success', due: 'primary', overdue: 'danger', not_required: 'info' }
export const ATTENDANCE_TAGS: Record<AttendanceStatus, TagType> = { present: 'success', excused: 'warning', absent: 'danger' }

/** Kinds whose record names a speaker / a party group. */
export const LESSON: MeetingKind = 'party_lesson'
export const GROUP_MEETING: MeetingKind = 'group_meeting'
export const TALK: MeetingKind = 'heart_to_heart_talk'

/** A calendar year as a report's span: up to today for the current year. */
export function yearSpan(year: number): { start: string; end: string } {
  const now = today()
  const end = `${year}-12-31`
  return { start: `${year}-01-01`, end: end > now ? now : end }
}

export const thisYear = () => Number(today().slice(0, 4))

/** 2026-03-01 → 2026年3月1日 */
export function day(value: string | null | undefined): string {
  if (!value) return '—'
  const [y, m, d] = value.slice(0, 10).split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/** A percentage as the server gives it (one decimal), or a dash. */
export const percent = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${value.toFixed(1)}%`)

/** File sizes as people read them. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The earlier of a date and today (a report cannot end after today). */
export const notAfterToday = (value: string) => (value > today() ? today() : value)
