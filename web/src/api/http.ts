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

type Query = Record<string, string | number | boolean | null | undefined>
let unauthorized: () => void = () => {}

export function onUnauthorized(handler: () => void) {
  unauthorized = handler
}

function csrfToken(): string {
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
  if (!response.ok) {
    const data = await response.json().catch(() => ({}))
    throw new ApiError(response.status, data.error ?? 'Error', data.detail ?? `请求失败（${response.status}）`, data.field ?? null)
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', path, { query })
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body })
export const patch = <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body })
export const del = <T>(path: string) => request<T>('DELETE', path)
