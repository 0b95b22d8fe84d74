import { defineStore } from 'pinia'
import { ref } from 'vue'
import { fetchDicts, type Choice } from '@/api/dicts'

// Code lists and their Chinese labels, loaded once from /dicts (labels are never written twice).
export const useDicts = defineStore('dicts', () => {
  const dicts = ref<Record<string, Choice[]>>({})
  let loading: Promise<void> | null = null

  function load() {
    loading ??= fetchDicts().then((data) => {
      dicts.value = data
    })
    return loading
  }

  const options = (name: string) => dicts.value[name] ?? []
  const label = (name: string, value: string | null | undefined) =>
    value == null ? '' : (options(name).find((c) => c.value === value)?.label ?? value)

  return { dicts, load, options, label }
})
