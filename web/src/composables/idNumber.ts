// 公民身份号码 (GB 11643-1999) checked in the browser the way the server checks it
// (src/dangjian/kit/idcard.py), with the same Chinese messages, so that a typing mistake is shown
// under the field before anything is sent. The address code is left to the server (it keeps the
// historical code table).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK_CHARS = '10X98765432'
const EARLIEST_BIRTH = '1900-01-01'

export type IdGender = 'male' | 'female'

export type IdNumberCheck =
  | { ok: true; number: string; birthOn: string; gender: IdGender; addressCode: string }
  | { ok: false; number: string; error: string }

/** Full-width digits and letters made half-width, spaces trimmed, `x` made `X` (as the server does). */
export function normalizeIdNumber(raw: string): string {
  return raw.normalize('NFKC').trim().toUpperCase()
}

/** The check character of the first 17 digits (ISO 7064 MOD 11-2). */
export function idCheckChar(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) throw new Error('计算校验位需要17位数字')
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK_CHARS[sum % 11]
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Today on the user's clock as YYYY-MM-DD. */
function todayIso(): string {
  const d = new Date()
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** YYYYMMDD as YYYY-MM-DD when it is a real calendar day, else null. */
function calendarDay(digits: string): string | null {
  const year = Number(digits.slice(0, 4))
  const month = Number(digits.slice(4, 6))
  const day = Number(digits.slice(6, 8))
  if (month < 1 || month > 12 || day < 1) return null
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate() // the month's last day
  if (day > days) return null
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`
}

/**
 * Checks an 18-character ID number: form, birth date (a calendar day, from 1900 to today), check
 * character. Gives the normalized number with the birth date and gender it holds, or the first
 * problem in the server's words (e.g. “公民身份号码校验位错误，应为X”).
 */
export function checkIdNumber(raw: string, today: string = todayIso()): IdNumberCheck {
  const number = normalizeIdNumber(raw ?? '')
  const fail = (error: string): IdNumberCheck => ({ ok: false, number, error })
  if (!number) return fail('公民身份号码不能为空')
  if ([...number].length !== 18) return fail(`公民身份号码应为18位，实际为${[...number].length}位`)
  if (!/^[0-9]{17}[0-9X]$/.test(number)) return fail('公民身份号码含有非法字符')
  const birthOn = calendarDay(number.slice(6, 14))
  if (birthOn === null) return fail(`公民身份号码中的出生日期无效：${number.slice(6, 14)}`)
  if (birthOn < EARLIEST_BIRTH) return fail('公民身份号码中的出生日期早于1900年1月1日')
  if (birthOn > today) return fail('公民身份号码中的出生日期晚于今天')
  const expected = idCheckChar(number.slice(0, 17))
  if (number[17] !== expected) return fail(`公民身份号码校验位错误，应为${expected}`)
  const gender: IdGender = Number(number[16]) % 2 === 1 ? 'male' : 'female'
  return { ok: true, number, birthOn, gender, addressCode: number.slice(0, 6) }
}

/** Whether the number passes `checkIdNumber`. */
export const isValidIdNumber = (raw: string) => checkIdNumber(raw).ok

/** A composable for forms: the check of the current value and an Element Plus validator. */
export function useIdNumber() {
  return {
    check: checkIdNumber,
    validator: (_rule: unknown, value: string | null | undefined, callback: (error?: Error) => void) => {
      if (!value) return callback()
      const result = checkIdNumber(value)
      if (result.ok) callback()
      else callback(new Error(result.error))
    },
  }
}
