// 党内统计: the report, the children's totals and the Excel export (docs/statistics.md).
import type { components } from './schema'
import { ApiError, apiUrl, get } from './http'

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

/** The file name of a Content-Disposition header, the UTF-8 one (RFC 5987) first. */
function attachmentName(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (utf8) {
    try {
      return decodeURIComponent(utf8[1])
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1] : fallback
}

/** Downloads the Excel report (audited by the server); errors come back as ApiError with `detail`. */
export async function downloadReportXlsx(query: ReportQuery = {}): Promise<string> {
  const response = await fetch(reportXlsxUrl(query), { credentials: 'same-origin' })
  if (!response.ok) {
    const data = await response.json().catch(() => ({}))
    throw new ApiError(response.status, data.error ?? 'Error', data.detail ?? `导出失败（${response.status}）`, data.field ?? null)
  }
  const name = attachmentName(response.headers.get('Content-Disposition'), '党内统计报表.xlsx')
  const url = URL.createObjectURL(await response.blob())
  try {
    const link = document.createElement('a')
    link.href = url
    link.download = name
    document.body.appendChild(link)
    link.click()
    link.remove()
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
  return name
}
