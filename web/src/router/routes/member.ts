import type { RouteRecordRaw } from 'vue-router'

export const memberRoutes: RouteRecordRaw[] = [
  {
    path: 'members',
    name: 'members',
    component: () => import('@/views/member/MemberView.vue'),
    meta: { title: '党员名册', permission: 'org:org:read', menu: true, icon: 'User' },
  },
  {
    path: 'me',
    name: 'my-record',
    component: () => import('@/views/member/MyRecordView.vue'),
    meta: { title: '我的信息', permission: 'member:member:read', menu: true, icon: 'User', roles: ['member'] },
  },
]
