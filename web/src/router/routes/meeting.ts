import type { RouteRecordRaw } from 'vue-router'

// 组织生活: the ledger of records (members see theirs elsewhere: the menu item is for those who keep
// or check records) and the compliance views (三会一课等开展情况, a branch's months and quarters).
export const meetingRoutes: RouteRecordRaw[] = [
  {
    path: 'meetings',
    name: 'meetings',
    component: () => import('@/views/meeting/MeetingView.vue'),
    meta: {
      title: '组织生活台账',
      permission: 'meeting:meeting:read',
      menu: true,
      icon: 'OfficeBuilding',
      roles: ['city_admin', 'county_organizer', 'township_organizer', 'branch_secretary', 'inspector'],
    },
  },
  {
    path: 'org-life',
    name: 'org-life',
    component: () => import('@/views/meeting/OrgLifeView.vue'),
    meta: { title: '组织生活开展情况', permission: 'meeting:compliance:read', menu: true, icon: 'DataAnalysis' },
  },
  {
    path: 'org-life/branches/:id',
    name: 'org-life-branch',
    component: () => import('@/views/meeting/BranchLifeView.vue'),
    meta: { title: '党支部组织生活情况', permission: 'meeting:compliance:read' },
  },
]
