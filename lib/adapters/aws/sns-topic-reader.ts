import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmTopicReader } from '../../ports/doctor.ts';

/** SNS lists a subscription nobody confirmed yet with this in place of its ARN. */
const PENDING = 'PendingConfirmation';

export const createSnsTopicReader = (client: SNSClient): AlarmTopicReader => ({
  async subscriptions(topicArn) {
    let confirmed = 0;
    let pendingConfirmation = 0;
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListSubscriptionsByTopicCommand({
          TopicArn: topicArn,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const subscription of page.Subscriptions ?? []) {
        if (subscription.SubscriptionArn === PENDING) pendingConfirmation += 1;
        else if (subscription.SubscriptionArn?.startsWith('arn:')) confirmed += 1;
      }
      token = page.NextToken;
    } while (token);
    return { confirmed, pendingConfirmation };
  },
});
