// ECharts options of the dashboard's charts, built from the report (docs/statistics.md).
import type { EChartsCoreOption } from 'echarts/core'
import type { ChildTotals, Part } from '@/api/stats'

export const FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
export const PALETTE = ['#c62828', '#ef6c00', '#f9a825', '#2e7d32', '#1565c0', '#6a1b9a', '#00838f', '#8d6e63', '#546e7a']

const numbers = new Intl.NumberFormat('zh-CN')
export const fmt = (n: number | null | undefined) => numbers.format(n ?? 0)

/** 中共衡阳县委员会 → 衡阳县 (for axis labels and the drill path; the full name is in tooltips). */
export function shortName(name: string): string {
  let short = name.startsWith('中共') ? name.slice(2) : name
  for (const suffix of ['工作委员会', '总支部委员会', '支部委员会', '委员会']) {
    if (short.endsWith(suffix) && short.length > suffix.length) {
      short = short.slice(0, -suffix.length)
      break
    }
  }
  return short
}

/** The report's age band keys as labels: 30_and_under → 30岁及以下, 31_35 → 31至35岁, 61_and_over → 61岁及以上. */
export function ageBandLabel(key: string): string {
  const range = /^(\d+)_(\d+)$/.exec(key)
  if (range) return `${range[1]}至${range[2]}岁`
  const under = /^(\d+)_and_under$/.exec(key)
  if (under) return `${under[1]}岁及以下`
  const over = /^(\d+)_and_over$/.exec(key)
  if (over) return `${over[1]}岁及以上`
  return key
}

export interface Item {
  name: string
  value: number
  share?: number
  color?: string
}

export const parts = (entries: { label: string; part: Part }[]): Item[] =>
  entries.map(({ label, part }) => ({ name: label, value: part.count, share: part.share }))

export const isEmpty = (items: Item[]) => items.every((item) => !item.value)

type TooltipParam = { name: string; value: number; color: string; data: Item; seriesName?: string; marker?: string }

function itemTooltip(unit: string) {
  return (param: TooltipParam | TooltipParam[]) => {
    const p = Array.isArray(param) ? param[0] : param
    const share = p.data.share !== undefined ? `（${p.data.share.toFixed(1)}%）` : ''
    return `${p.marker ?? ''}${p.name}：<b>${fmt(p.data.value)}</b> ${unit}${share}`
  }
}

const base = (): EChartsCoreOption => ({
  color: PALETTE,
  textStyle: { fontFamily: FONT },
  animationDuration: 400,
})

/** Columns, one per category (age bands). */
export function columnOption(items: Item[], { unit = '人', narrow = false } = {}): EChartsCoreOption {
  return {
    ...base(),
    grid: { left: 8, right: 8, top: 28, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: itemTooltip(unit) },
    xAxis: {
      type: 'category',
      data: items.map((i) => i.name),
      axisLabel: { interval: 0, rotate: narrow ? 45 : 0, fontSize: 11 },
      axisTick: { alignWithLabel: true },
    },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmt(v) }, splitLine: { lineStyle: { type: 'dashed' } } },
    series: [{
      type: 'bar',
      data: items,
      barMaxWidth: 36,
      itemStyle: { color: PALETTE[0], borderRadius: [3, 3, 0, 0] },
      label: { show: true, position: 'top', fontSize: 11, formatter: (p: { value: number }) => fmt(p.value) },
    }],
  }
}

/** Bars across, one per category (long labels such as 人员类别). */
export function barOption(items: Item[], { unit = '人', narrow = false } = {}): EChartsCoreOption {
  return {
    ...base(),
    grid: { left: 8, right: 56, top: 8, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: itemTooltip(unit), confine: true },
    xAxis: { type: 'value', show: false },
    yAxis: {
      type: 'category',
      inverse: true,
      data: items.map((i) => i.name),
      axisLabel: { width: narrow ? 96 : 150, overflow: 'break', lineHeight: 14, fontSize: 12 },
      axisTick: { show: false },
    },
    series: [{
      type: 'bar',
      data: items,
      barMaxWidth: 20,
      itemStyle: { color: PALETTE[4], borderRadius: [0, 3, 3, 0] },
      label: { show: true, position: 'right', fontSize: 11, formatter: (p: { value: number }) => fmt(p.value) },
    }],
  }
}

/** A ring of parts (学历, 党组织类型, 建制村分类定级); empty parts are left out. */
export function pieOption(items: Item[], { unit = '个', narrow = false } = {}): EChartsCoreOption {
  const data = items.filter((i) => i.value > 0).map((i) => (i.color ? { ...i, itemStyle: { color: i.color } } : i))
  return {
    ...base(),
    tooltip: { trigger: 'item', formatter: itemTooltip(unit), confine: true },
    legend: narrow
      ? { bottom: 0, left: 'center', type: 'plain', itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 11 } }
      : { orient: 'vertical', right: 8, top: 'middle', itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 12 } },
    series: [{
      type: 'pie',
      radius: narrow ? ['30%', '55%'] : ['38%', '68%'],
      center: narrow ? ['50%', '40%'] : ['36%', '50%'],
      data,
      avoidLabelOverlap: true,
      minAngle: 2,
      itemStyle: { borderColor: '#fff', borderWidth: 2 },
      label: { formatter: (p: { percent: number }) => `${p.percent.toFixed(1)}%`, fontSize: 11 },
      labelLine: { length: 6, length2: 6 },
    }],
  }
}

/** The children's members, full and probationary stacked; a row per child (clicked to drill down). */
export const CHILDREN_GRID = { top: 32, bottom: 8 }

export function childrenOption(children: ChildTotals[], labels: { full: string; probationary: string }, narrow = false): EChartsCoreOption {
  const names = children.map((c) => shortName(c.org.name))
  return {
    ...base(),
    legend: { top: 0, left: 'center', itemWidth: 12, itemHeight: 10 },
    grid: { left: 8, right: 56, ...CHILDREN_GRID, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (params: { dataIndex: number }[]) => {
        const child = children[params[0].dataIndex]
        return `<b>${child.org.name}</b><br/>党员 ${fmt(child.total)} 人（${labels.full} ${fmt(child.full)}，${labels.probationary} ${fmt(child.probationary)}）<br/><span style="color:#909399">点击查看该组织</span>`
      },
    },
    xAxis: { type: 'value', show: false },
    yAxis: {
      type: 'category',
      inverse: true,
      data: names,
      axisLabel: { width: narrow ? 90 : 180, overflow: 'truncate', fontSize: 12 },
      axisTick: { show: false },
    },
    series: [
      {
        name: labels.full,
        type: 'bar',
        stack: 'members',
        data: children.map((c) => c.full),
        barMaxWidth: 18,
        itemStyle: { color: PALETTE[0] },
        cursor: 'pointer',
      },
      {
        name: labels.probationary,
        type: 'bar',
        stack: 'members',
        data: children.map((c) => c.probationary),
        barMaxWidth: 18,
        itemStyle: { color: PALETTE[2], borderRadius: [0, 3, 3, 0] },
        cursor: 'pointer',
        label: {
          show: true,
          position: 'right',
          fontSize: 11,
          color: '#303133',
          formatter: (p: { dataIndex: number }) => fmt(children[p.dataIndex].total),
        },
      },
    ],
  }
}

export const childrenHeight = (n: number) => Math.max(200, n * 26 + CHILDREN_GRID.top + CHILDREN_GRID.bottom)
