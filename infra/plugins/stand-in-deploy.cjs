'use strict';

/**
 * Lets `npm run rehearse` deploy onto moto_server: moto's ValidateTemplate rejects this template
 * over a cfn-lint warning, so that one step is skipped. It acts only when asked
 * (REHEARSAL_STAND_IN=1) and only when the AWS endpoint is a loopback address, so a real deploy
 * always validates. The template test keeps linting the template.
 */
class StandInDeploy {
  constructor(serverless) {
    const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
    let loopback = false;
    try {
      loopback = ['127.0.0.1', '[::1]'].includes(new URL(endpoint).hostname);
    } catch {}
    if (process.env.REHEARSAL_STAND_IN !== '1' || !loopback) return;
    this.hooks = {
      initialize: () => {
        const deploy = serverless.pluginManager.plugins.find(
          (plugin) => plugin.constructor.name === 'AwsDeploy',
        );
        if (!deploy) throw new Error('stand-in-deploy: the AwsDeploy plugin was not found');
        deploy.validateTemplate = async () => {
          serverless.cli.log('stand-in: skipped ValidateTemplate (moto rejects cfn-lint warnings)');
        };
      },
    };
  }
}

module.exports = StandInDeploy;
