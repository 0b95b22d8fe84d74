import type { components } from './schema'
import { get, post } from './http'

export type Me = components['schemas']['Me']

export const login = (username: string, password: string) => post<Me>('/auth/login', { username, password })
export const logout = () => post<void>('/auth/logout')
export const fetchMe = () => get<Me>('/auth/me')
