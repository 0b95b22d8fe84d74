import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuth } from '@/stores/auth'
import { dashboardRoutes } from './routes/dashboard'
import { orgRoutes } from './routes/org'
import { memberRoutes } from './routes/member'
import { meetingRoutes } from './routes/meeting'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    permission?: string
    public?: boolean
    menu?: boolean
    icon?: string
    roles?: string[] // shown in the menu only to these roles
  }
}

export const appRoutes: RouteRecordRaw[] = [...dashboardRoutes, ...orgRoutes, ...memberRoutes, ...meetingRoutes]

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('@/views/login/LoginView.vue'), meta: { public: true, title: '登录' } },
    { path: '/', component: () => import('@/layouts/MainLayout.vue'), children: appRoutes, redirect: { name: 'home' } },
    { path: '/:pathMatch(.*)*', redirect: { name: 'home' } },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const auth = useAuth()
  const me = await auth.load()
  if (!me) return { name: 'login', query: { redirect: to.fullPath } }
  if (to.name === 'home') return me.role === 'member' ? { name: 'my-record' } : { name: 'dashboard' }
  if (to.meta.permission && !auth.can(to.meta.permission)) return { name: 'home' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - 基层党建管理平台` : '基层党建管理平台'
})
