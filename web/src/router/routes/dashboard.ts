import type { RouteRecordRaw } from 'vue-router'

export const dashboardRoutes: RouteRecordRaw[] = [
  { path: 'home', name: 'home', component: { render: () => null } },
  {
    path: 'dashboard',
    name: 'dashboard',
    component: () => import('@/views/dashboard/DashboardView.vue'),
    meta: { title: '驾驶舱', permission: 'stats:report:read', menu: true, icon: 'DataAnalysis' },
  },
]
