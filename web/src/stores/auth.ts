import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api/auth'

export const useAuth = defineStore('auth', () => {
  const me = ref<api.Me | null>(null)

  async function load(): Promise<api.Me | null> {
    if (me.value) return me.value
    try {
      me.value = await api.fetchMe()
    } catch {
      me.value = null
    }
    return me.value
  }

  async function login(username: string, password: string) {
    me.value = await api.login(username, password)
  }

  async function logout() {
    try {
      await api.logout()
    } finally {
      me.value = null
    }
  }

  const can = (permission: string) => !!me.value?.permissions.includes(permission)

  return { me, load, login, logout, can }
})
