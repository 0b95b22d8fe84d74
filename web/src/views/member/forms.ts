// What the member pages share beyond the common form helpers: the audited reveal.
import { ref } from 'vue'
import { ElMessage } from 'element-plus'
import { revealMember, type RevealedPersonal } from '@/api/member'
import { message } from '@/composables/forms'

export { addYears, afterToday, BRANCH_KINDS, fmt, message, today, useNarrow, useServerErrors, type Outcome } from '@/composables/forms'

/** The Element Plus validator callback. */
export type Callback = (error?: Error) => void

/** 显示完整信息: the full ID number, phone and address of one member, asked for by the user and
 * recorded by the server in the audit log; forgotten when the member shown changes. */
export function useReveal() {
  const revealed = ref<RevealedPersonal | null>(null)
  const revealing = ref(false)

  async function reveal(memberId: number) {
    if (revealing.value) return
    revealing.value = true
    try {
      revealed.value = await revealMember(memberId)
    } catch (e) {
      ElMessage.error(message(e, '查看完整信息失败'))
    } finally {
      revealing.value = false
    }
  }

  const forget = () => {
    revealed.value = null
  }

  return { revealed, revealing, reveal, forget }
}

