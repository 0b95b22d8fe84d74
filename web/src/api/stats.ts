// 党内统计: the report, the children's totals and the Excel export (docs/statistics.md).
import type { components } from './schema'
import { apiUrl, download, get } from './http'

export type StatsReport = components['schemas']['StatsReport']
export type ChildTotals = components['schemas']['ChildTotals']
export type Part = components['schemas']['Part']

/** Which report: `org_id` empty = the start of the caller's scope; `as_of` empty = today (the server's). */
export interface ReportQuery {
  org_id?: number | null
  as_of?: string | null
}

export const fetchReport = (query: ReportQuery = {}) => get<StatsReport>('/stats/report', { ...query })
export const fetchChildren = (query: ReportQuery = {}) => get<ChildTotals[]>('/stats/children', { ...query })

/** The URL of the Excel report (for a plain link). */
export const reportXlsxUrl = (query: ReportQuery = {}) => apiUrl('/stats/report.xlsx', { ...query })

/** Downloads the Excel report (audited by the server); errors come back as ApiError with `detail`. */
export const downloadReportXlsx = (query: ReportQuery = {}) => download('/stats/report.xlsx', { ...query }, '党内统计报表.xlsx')
