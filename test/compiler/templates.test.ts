import { describe, expect, it } from 'vitest';
import { compileTemplateField, parseTemplate, splitXcomReference } from '../../lib/compiler/templates.ts';

const resolve = (ref: { kind: string; name?: string; task?: string }) =>
  ref.kind === 'context'
    ? `$.ctx.${ref.name}`
    : ref.kind === 'param'
      ? `$.ctx.params.${ref.name}`
      : `$.tasks.${ref.task}.output`;

describe('Function: compileTemplateField', () => {
  it('keeps plain text as it is', () => {
    expect(compileTemplateField('Key', 'raw/customers.csv', resolve)).toEqual({ Key: 'raw/customers.csv' });
  });

  it('turns a lone reference into a path', () => {
    expect(compileTemplateField('Bucket', '{{ params.bucket }}', resolve)).toEqual({
      'Bucket.$': '$.ctx.params.bucket',
    });
  });

  it('turns text around references into States.Format, escaping what intrinsics treat specially', () => {
    expect(compileTemplateField('Key', "it's {x}/{{ ds }}/{{ xcom.list }}.json", resolve)).toEqual({
      'Key.$': "States.Format('it\\'s \\{x\\}/{}/{}.json', $.ctx.ds, $.tasks.list.output)",
    });
  });
});

describe('Function: parseTemplate', () => {
  it('names an unknown variable and lists the known ones', () => {
    const result = parseTemplate('a/{{ yesterday_ds }}');
    expect(result).toEqual({
      error:
        "unknown template variable '{{ yesterday_ds }}' (known: ds, ds_nodash, ts, logical_date, data_interval_start, data_interval_end, run_id, dag_id, params.<name>, xcom.<task_id>)",
    });
  });

  it('refuses unbalanced braces', () => {
    expect(parseTemplate('a/{{ ds }/b')).toEqual({ error: "unbalanced '{{' or '}}' in 'a/{{ ds }/b'" });
  });
});

describe('Function: splitXcomReference', () => {
  it('takes the longest leading part that names a task, so group ids with dots work', () => {
    const tasks = new Set(['extract', 'extract.customers']);
    expect(splitXcomReference('extract.customers.rows', (id) => tasks.has(id))).toEqual({
      task: 'extract.customers',
      path: ['rows'],
    });
    expect(splitXcomReference('missing.rows', (id) => tasks.has(id))).toBeUndefined();
  });
});
