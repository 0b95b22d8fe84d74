import type { RouteRecordRaw } from 'vue-router'

export const orgRoutes: RouteRecordRaw[] = [
  {
    path: 'orgs/:id?',
    name: 'orgs',
    component: () => import('@/views/org/OrgView.vue'),
    meta: { title: '党组织', permission: 'org:org:read', menu: true, icon: 'OfficeBuilding' },
  },
]
