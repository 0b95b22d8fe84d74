// What the paged lists share: the page the server sent, whether one is loading and why it failed
// (only the latest request counts), and the list's query kept in the URL.
import { ref, shallowRef } from 'vue'
import { ElMessage } from 'element-plus'
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { message } from './forms'

/** The page size the lists ask for unless the user picks another. */
export const PAGE_SIZE = 20

/**
 * A page loaded by `load(fetch)`: an answer to an earlier call that comes late is dropped; a failure
 * is said (`failure` unless the server says why) and the page becomes `onError()` (null by default).
 */
export function usePaged<P>(failure: string, onError: () => P | null = () => null) {
  const page = shallowRef<P | null>(null)
  const loading = ref(false)
  const failed = ref('')
  let ticket = 0

  async function load(fetch: () => Promise<P>) {
    const mine = ++ticket
    loading.value = true
    try {
      const result = await fetch()
      if (mine !== ticket) return
      page.value = result
      failed.value = ''
    } catch (e) {
      if (mine !== ticket) return
      page.value = onError()
      failed.value = message(e, failure)
      ElMessage.error(failed.value)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  return { page, loading, failed, load }
}

/** One value of a URL parameter (the first when repeated), null when absent or empty. */
export function one(value: LocationQuery[string]): string | null {
  const v = Array.isArray(value) ? value[0] : value
  return v === null || v === undefined || v === '' ? null : String(v)
}

/** A list's query from the URL: `numbers` as numbers (when they are), `texts` as given, `booleans` as true/false. */
export function readQuery(
  q: LocationQuery,
  keys: { numbers?: readonly string[]; texts?: readonly string[]; booleans?: readonly string[] },
): Record<string, unknown> {
  const query: Record<string, unknown> = {}
  for (const key of keys.numbers ?? []) {
    const v = one(q[key])
    if (v !== null) query[key] = /^\d+$/.test(v) ? Number(v) : v
  }
  for (const key of keys.texts ?? []) {
    const v = one(q[key])
    if (v !== null) query[key] = v
  }
  for (const key of keys.booleans ?? []) {
    const v = one(q[key])
    if (v !== null) query[key] = v === 'true' ? true : v === 'false' ? false : v
  }
  return query
}

/** A list's query for the URL: empty values and those equal to `defaults` left out. */
export function writeQuery(query: object, defaults: Record<string, unknown>): LocationQueryRaw {
  const out: LocationQueryRaw = {}
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    if (key in defaults && defaults[key] === value) continue
    out[key] = String(value)
  }
  return out
}

/** The URL parameters of a query, sorted (for tests and tools). */
export const queryKey = (raw: LocationQueryRaw) => JSON.stringify(Object.fromEntries(Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : 1))))
