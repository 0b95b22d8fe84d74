// What every form shares: dates as the server writes them, server errors shown on the form field
// they name, numbers as the site writes them, phone width.
import { onBeforeUnmount, onMounted, reactive, ref, watch } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/http'

const pad = (n: number) => String(n).padStart(2, '0')

/** Today on the user's clock, as the server writes dates (YYYY-MM-DD). */
export function today(): string {
  const d = new Date()
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** For the date pickers: days after today cannot be chosen. */
export const afterToday = (d: Date) => {
  const end = new Date()
  end.setHours(23, 59, 59, 999)
  return d.getTime() > end.getTime()
}

/** `day` (YYYY-MM-DD) `years` later; 29 February becomes 28 February in a common year (as the server). */
export function addYears(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number)
  const year = y + years
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const dd = m === 2 && d === 29 && !leap ? 28 : d
  return `${String(year).padStart(4, '0')}-${pad(m)}-${pad(dd)}`
}

/** Thousands separators, as elsewhere on the site. */
const numbers = new Intl.NumberFormat('zh-CN')
export const fmt = (n: number) => numbers.format(n)

/** Kinds of organization that hold members and have no organizations below (党支部). */
export const BRANCH_KINDS: readonly string[] = ['branch', 'joint_branch']

export type Outcome = 'field' | 'stale' | 'other'

/**
 * Errors the server sent for a form: shown under the form item the error's `field` names (`fields`
 * maps the server's field names to the form's), a 409 reported as stale, others as a message.
 * A field's error goes away as soon as the user changes that field (or the form fields `watched` names).
 */
export function useServerErrors<F extends string>(form: object, fields: Record<string, F>, watched: Partial<Record<F, string[]>> = {}) {
  const values = form as Record<string, unknown>
  const errors = reactive({}) as Record<F, string>
  const keys = [...new Set(Object.values(fields))] as F[]
  for (const key of keys) {
    errors[key] = ''
    const sources = watched[key] ?? [key]
    watch(
      () => sources.map((source) => values[source]),
      () => {
        errors[key] = ''
      },
    )
  }

  function clear() {
    for (const key of keys) errors[key] = ''
  }

  function show(e: unknown, fallback: string): Outcome {
    if (e instanceof ApiError) {
      if (e.status === 409) return 'stale'
      const key = e.field ? fields[e.field] : undefined
      if (key && [400, 404, 422].includes(e.status)) {
        errors[key] = e.detail
        return 'field'
      }
      ElMessage.error(e.detail)
      return 'other'
    }
    ElMessage.error(fallback)
    return 'other'
  }

  return { errors, clear, show }
}

/** The message of an error from the server, or `fallback`. */
export const message = (e: unknown, fallback: string) => (e instanceof ApiError ? e.detail : fallback)

/** Whether the window is narrower than `width` (phones): forms put labels on top, pages one column. */
export function useNarrow(width = 768) {
  const narrow = ref(window.innerWidth < width)
  const update = () => {
    narrow.value = window.innerWidth < width
  }
  onMounted(() => window.addEventListener('resize', update))
  onBeforeUnmount(() => window.removeEventListener('resize', update))
  return narrow
}

/**
 * A dialog's save: `save` returns the saved record, or null when there was nothing to save. Either
 * way the dialog closes and `saved` is told the record; a stale version (409) closes it and `stale`
 * is told; other errors stay on the form (see useServerErrors).
 */
export async function saveDialog<T>(
  state: { saving: { value: boolean }; visible: { value: boolean } },
  save: () => Promise<T | null>,
  show: (e: unknown, fallback: string) => Outcome,
  fallback: string,
  done: { saved: (record: T) => void; stale: (detail: string) => void },
): Promise<void> {
  state.saving.value = true
  try {
    const saved = await save()
    state.visible.value = false
    if (saved !== null) done.saved(saved)
  } catch (e) {
    if (show(e, fallback) === 'stale') {
      state.visible.value = false
      done.stale(e instanceof Error ? e.message : '')
    }
  } finally {
    state.saving.value = false
  }
}
