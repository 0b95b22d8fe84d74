import type { components } from './schema'
import { get } from './http'

export type Choice = components['schemas']['Choice']
export const fetchDicts = () => get<Record<string, Choice[]>>('/dicts')
