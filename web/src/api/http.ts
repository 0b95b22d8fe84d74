// The one way pages talk to the server: JSON, the session cookie, the CSRF header, errors with `detail`.

export class ApiError extends Error {
  constructor(
    public status: number,
    public error: string,
    public detail: string,
    public field: string | null = null,
  ) {
    super(detail)
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>
let unauthorized: () => void = () => {}

export function onUnauthorized(handler: () => void) {
  unauthorized = handler
}

export function csrfToken(): string {
  const cookie = document.cookie.split('; ').find((c) => c.startsWith('dj_csrf='))
  return cookie ? decodeURIComponent(cookie.slice('dj_csrf='.length)) : ''
}

export function apiUrl(path: string, query: Query = {}): string {
  const url = new URL('/api/v1' + path, window.location.origin)
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value))
  }
  return url.pathname + url.search
}

export async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (!['GET', 'HEAD'].includes(method)) headers['X-CSRF-Token'] = csrfToken()
  const response = await fetch(apiUrl(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  if (response.status === 401 && path !== '/auth/login') unauthorized()
  if (!response.ok) throw await failure(response, '请求失败')
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

async function failure(response: Response, fallback: string): Promise<ApiError> {
  const data = await response.json().catch(() => ({}))
  return new ApiError(response.status, data.error ?? 'Error', data.detail ?? `${fallback}（${response.status}）`, data.field ?? null)
}

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

/** Fetches a file and hands it to the browser under the server's name; returns that name. */
export async function download(path: string, query: Query, fallback: string): Promise<string> {
  const response = await fetch(apiUrl(path, query), { credentials: 'same-origin' })
  if (response.status === 401) unauthorized()
  if (!response.ok) throw await failure(response, '下载失败')
  const name = attachmentName(response.headers.get('Content-Disposition'), fallback)
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

/** Sends a file as the request body (with the CSRF header) and returns the JSON answer. */
export async function upload<T>(path: string, query: Query, file: File, contentType: string): Promise<T> {
  const response = await fetch(apiUrl(path, query), {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': file.type || contentType, 'X-CSRF-Token': csrfToken() },
    credentials: 'same-origin',
    body: file,
  })
  if (response.status === 401) unauthorized()
  if (!response.ok) throw await failure(response, '上传失败')
  return (await response.json()) as T
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', path, { query })
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body })
export const patch = <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body })
export const del = <T>(path: string) => request<T>('DELETE', path)
