import type { Directive } from 'vue'
import { useAuth } from '@/stores/auth'

// v-permission="'member:member:update'": the element is removed for users without the permission.
export const permission: Directive<HTMLElement, string> = {
  mounted(el, binding) {
    if (!useAuth().can(binding.value)) el.remove()
  },
}
