// The organization dialogs' own client checks (mirroring the server's); the common form helpers
// come from composables/forms.ts.
import type { FormItemRule } from 'element-plus'
import { today } from '@/composables/forms'

export { afterToday, BRANCH_KINDS, fmt, today, useNarrow, useServerErrors, type Outcome } from '@/composables/forms'

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

