// 党员名册的 Excel：导入模板、名册导出、导入任务（上传、进度、预览、确认、错误行工作簿）。
// See src/dangjian/importexport/router.py and docs/excel.md.
import type { components, operations } from './schema'
import { apiUrl, download, get, post, upload, type Query } from './http'

type Schemas = components['schemas']

export type ImportJob = Schemas['ImportJobRead']
export type ImportResult = Schemas['ImportResult']
export type RowIssue = Schemas['RowIssue']
export type ImportMode = Schemas['ImportMode']
export type ConfirmMode = Schemas['ImportConfirm']['mode']
export type ExportQuery = NonNullable<operations['export_members_api_v1_exports_members_xlsx_get']['parameters']['query']>

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** 导入模板（表头、示例行、下拉选项）. */
export const downloadTemplate = () => download('/exports/template.xlsx', {}, '党员名册导入模板.xlsx')

/** The roster as filtered (the filters of GET /members that the export takes; personal data masked). */
export function exportMembers(query: Record<string, unknown> = {}): Promise<string> {
  const keys: (keyof ExportQuery)[] = ['org_id', 'name', 'status', 'gender', 'age_min', 'age_max', 'education_group', 'occupation',
    'employment', 'floating', 'lost_contact', 'without_post', 'probationary']
  const q: Query = {}
  for (const key of keys) {
    const value = query[key]
    if (value !== undefined && value !== null && value !== '') q[key] = value as string | number | boolean
  }
  return download('/exports/members.xlsx', q, '党员名册.xlsx')
}

/** Uploads the file (the request body itself) and starts a job: 202 with the job. */
export const startImport = (file: File, mode: ImportMode = 'preview', orgId?: number | null) =>
  upload<ImportJob>('/imports', { mode, org_id: orgId ?? undefined, filename: file.name }, file, XLSX)

export const getImport = (id: number) => get<ImportJob>(`/imports/${id}`)

export const confirmImport = (id: number, mode: ConfirmMode) => post<ImportJob>(`/imports/${id}/confirm`, { mode })

/** The error rows' workbook (for a plain link). */
export const errorsUrl = (id: number) => apiUrl(`/imports/${id}/errors.xlsx`)

/** Downloads the error rows' workbook under the server's name. */
export const downloadErrors = (id: number) => download(`/imports/${id}/errors.xlsx`, {}, '导入错误行.xlsx')
