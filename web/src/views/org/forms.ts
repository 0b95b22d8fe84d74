// What the organization page's dialogs share: dates, the client's checks (mirroring the server's),
// and server errors shown on the form field they name.
import { onBeforeUnmount, onMounted, reactive, ref, watch } from 'vue'
import { ElMessage, type FormItemRule } from 'element-plus'
import { ApiError } from '@/api/http'

/** Today on the user's clock, as the server writes dates (YYYY-MM-DD). */
export function today(): string {
  const d = new Date()
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** For the date pickers: days after today cannot be chosen. */
export const afterToday = (d: Date) => {
  const end = new Date()
  end.setHours(23, 59, 59, 999)
  return d.getTime() > end.getTime()
}

/** A date field: `label` 不能晚于今天 (the server's rule), and required when asked. */
export function dateRules(label: string, required: boolean): FormItemRule[] {
  const rules: FormItemRule[] = [
    {
      trigger: 'change',
      validator: (_rule, value: string | null | undefined, callback: (error?: Error) => void) => {
        if (value && value > today()) callback(new Error(`${label}不能晚于今天`))
        else callback()
      },
    },
  ]
  if (required) rules.unshift({ required: true, message: `请选择${label}`, trigger: 'change' })
  return rules
}

/** A name: required, not blank, at most 128 characters (the column). */
export const nameRules: FormItemRule[] = [
  { required: true, message: '请填写党组织名称', trigger: 'blur' },
  {
    trigger: 'blur',
    validator: (_rule, value: string | null | undefined, callback: (error?: Error) => void) => {
      if (value != null && value !== '' && !value.trim()) callback(new Error('党组织名称不能为空'))
      else callback()
    },
  },
  { max: 128, message: '党组织名称不能超过128个字', trigger: 'blur' },
]

export const codeRules: FormItemRule[] = [{ max: 32, message: '党组织编码不能超过32个字符', trigger: 'blur' }]

export type Outcome = 'field' | 'stale' | 'other'

/**
 * Errors the server sent for a form: shown under the form item the error's `field` names
 * (`fields` maps the server's field names to the form's), a 409 reported as stale, others as a message.
 * A field's error goes away as soon as the user changes that field.
 */
export function useServerErrors<F extends string>(form: Record<F, unknown>, fields: Record<string, F>) {
  const errors = reactive({}) as Record<F, string>
  const keys = [...new Set(Object.values(fields))] as F[]
  for (const key of keys) {
    errors[key] = ''
    watch(
      () => form[key],
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
      if (key && (e.status === 422 || e.status === 400 || e.status === 404)) {
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

/** Thousands separators, as elsewhere on the site. */
const numbers = new Intl.NumberFormat('zh-CN')
export const fmt = (n: number) => numbers.format(n)

/** Kinds that cannot have organizations below them (党支部下不设党组织). */
export const BRANCH_KINDS: readonly string[] = ['branch', 'joint_branch']

/** Whether the window is narrower than `width` (phones): forms put labels on top, the page one column. */
export function useNarrow(width = 768) {
  const narrow = ref(window.innerWidth < width)
  const update = () => {
    narrow.value = window.innerWidth < width
  }
  onMounted(() => window.addEventListener('resize', update))
  onBeforeUnmount(() => window.removeEventListener('resize', update))
  return narrow
}
