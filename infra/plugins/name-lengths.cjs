'use strict';

/**
 * Names built from the stage (bucket, roles, functions, queues) have hard AWS length limits, and
 * CloudFormation reports a name that is too long only half-way through a deploy. This checks the
 * compiled template at package time instead, for the region being packaged, and names the longest
 * stage that would fit.
 */

// Length limits of the names this template sets (AWS documentation for each resource type).
const LIMITS = {
  'AWS::S3::Bucket': ['BucketName', 63],
  'AWS::IAM::Role': ['RoleName', 64],
  'AWS::Lambda::Function': ['FunctionName', 64],
  'AWS::SQS::Queue': ['QueueName', 80],
  'AWS::SNS::Topic': ['TopicName', 256],
  'AWS::CloudWatch::Alarm': ['AlarmName', 255],
  'AWS::KMS::Alias': ['AliasName', 256],
};
// The account id is unknown offline; every AWS account id has 12 digits.
const ACCOUNT_ID = '000000000000';

// Conditions compare Parameters (whose defaults are the serverless params) with literals.
const evaluate = (value, conditions, parameters = {}) => {
  if (typeof value !== 'object' || value === null) return value;
  if (typeof value.Ref === 'string' && value.Ref in parameters)
    return parameters[value.Ref].Default;
  if ('Fn::Equals' in value) {
    const [a, b] = value['Fn::Equals'];
    return evaluate(a, conditions, parameters) === evaluate(b, conditions, parameters);
  }
  if ('Fn::Not' in value) {
    const inner = evaluate(value['Fn::Not'][0], conditions, parameters);
    return inner === undefined ? undefined : !inner;
  }
  if ('Condition' in value) return conditions[value.Condition];
  return undefined;
};

/** A name as CloudFormation would render it, or undefined when it is not known offline. */
const render = (value, context) => {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  if (typeof value.Ref === 'string' && value.Ref in context.parameters) {
    return render(context.parameters[value.Ref].Default, context);
  }
  if ('Fn::If' in value) {
    const [condition, whenTrue, whenFalse] = value['Fn::If'];
    const chosen = context.conditions[condition];
    if (chosen === undefined) return undefined;
    return render(chosen ? whenTrue : whenFalse, context);
  }
  if ('Fn::Sub' in value && typeof value['Fn::Sub'] === 'string') {
    let unknown = false;
    const text = value['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name) => {
      if (name === 'AWS::Region') return context.region;
      if (name === 'AWS::AccountId') return ACCOUNT_ID;
      if (name === 'AWS::Partition') return 'aws';
      unknown = true;
      return '';
    });
    return unknown ? undefined : text;
  }
  return undefined;
};

/** Every stage-derived name that is too long, with the longest stage that would fit it. */
const findTooLong = (template, stage, region) => {
  const conditions = {};
  for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
    conditions[name] = evaluate(condition, conditions, template.Parameters);
  }
  const context = { conditions, region, parameters: template.Parameters ?? {} };
  const problems = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const limit = LIMITS[resource.Type];
    if (!limit) continue;
    if (resource.Condition && conditions[resource.Condition] === false) continue;
    const [property, max] = limit;
    const name = render(resource.Properties?.[property], context);
    if (name === undefined || name.length <= max) continue;
    const fits = name.includes(stage) ? stage.length - (name.length - max) : undefined;
    problems.push({ id, property, name, max, fits });
  }
  return problems;
};

class NameLengths {
  constructor(serverless) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const provider = serverless.getProvider('aws');
        const stage = provider.getStage();
        const region = provider.getRegion();
        // Bucket names allow no upper case, and every name here is built from the stage.
        if (!/^[a-z0-9][a-z0-9-]*$/.test(stage)) {
          throw new serverless.classes.Error(
            `Stage "${stage}": use lower-case letters, digits and hyphens only (S3 bucket names allow nothing else).`,
          );
        }
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        const problems = findTooLong(template, stage, region);
        if (problems.length === 0) return;
        const fits = Math.min(...problems.map((p) => p.fits ?? 0));
        throw new serverless.classes.Error(
          [
            `Stage "${stage}" (${stage.length} characters) is too long in ${region}:`,
            ...problems.map(
              (p) =>
                `  ${p.id}.${p.property} "${p.name}" has ${p.name.length} characters (limit ${p.max})`,
            ),
            fits > 0
              ? `Use a stage of at most ${fits} characters here, or set --param="bucketName=…" if only the bucket is too long.`
              : 'Shorten the names above.',
          ].join('\n'),
        );
      },
    };
  }
}

module.exports = NameLengths;
module.exports.findTooLong = findTooLong;
