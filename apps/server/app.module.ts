import { Module } from '@nestjs/common';
import { SiteModule } from '../../libs/web/site/site.module';
import { WebModule } from '../../libs/web/web.module';

/** The server's module graph: the JSON API and live channels, and the web app with its report download. */
@Module({
  imports: [WebModule, SiteModule],
})
export class AppModule {}
