"""Word lists behind the look-alike detectors: fraud vocabulary glued to brand names, CDN infrastructure
domains, and much-abused TLDs. Kept apart from the logic so they can be reviewed (and extended) as data."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words fraudsters glue to a brand (English and pinyin). A brand token plus a STRONG word (intent: log in,
# verify, refund, customer service) is a combosquat; WEAK words are also how brands name their own domains
# (samsungcloud, shopeemobile), so alone they only raise a weaker signal.
_STRONG_TEXT = """
    login logon signin log account accounts verify verification verified secure security update confirm
    confirmation auth authentication support helpdesk customer refund refunds claim claims reward rewards
    bonus gift gifts prize recover recovery unlock locked limited restore reset password token airdrop
    validate validation dapp connect notify notification alert alerts notice billing invoice suspend
    suspended wallet sso webscr appeal violation violations restriction restricted copyright checkpoint
    payee unpaid overdue redelivery reschedule hadiah jf lingqu lq dh
    tuikuan kefu kf zaixian zhuce denglu renzheng shenhe jiedong dongjie lipei buchang jiangli zhongjiang
    butie tongzhi anquan guanwang yanzheng shouquan jifen duihuan tixian xinyongka daikuan weizhang fakuan
"""
_WEAK_TEXT = """
    sign acc safe service services help center centre online app apps download mobile portal web webmail
    mail email id my pay payment payments bank banking card cards official site home user users member
    members vip client clients access check bill offer deal deals sale shop store outlet express delivery
    parcel track tracking post package order orders pass sync swap stake staking network global world
    international intl group team info net com org cn hk tw us uk jp au ca gov www wap cc h5 go get new now
    live hub cloud link free promo win event gratis official grup business case review policy warning
    toll tolls fee fees pending colis oferta bantuan resmi
    dl gw fuwu yewu shebao yibao shouji wangye wangyin shenqing chongzhi jiaoyi fanli hongbao huodong zhifu
    kuaidi wuliu chaxun jiaofei banli chuli dengji
"""
STRONG_WORDS = _words(_STRONG_TEXT)
VOCABULARY = STRONG_WORDS | _words(_WEAK_TEXT)
# CDN and traffic-steering domains whose host names embed their customers' own host names
# (douyincdn.com.wsdvs.com, apple.map.fastly.net): a brand there is the brand's own configuration.
INFRASTRUCTURE = _words(
    """
    akadns.net akamaiedge.net akamaized.net akamaihd.net edgekey.net edgesuite.net akamai.net
    fastly.net fastly-edge.com fastlylb.net cloudfront.net cloudflare.net azureedge.net azurefd.net
    trafficmanager.net msedge.net cdn77.org llnwd.net edgecastcdn.net footprint.net
    wsdvs.com wswebcdn.com wscdns.com chinanetcenter.com ks-cdn.com kunlunca.com alikunlun.com
    cdngslb.com tdnsv5.com cdntip.com dnsv1.com bytefcdn-ttpus.com bytegeo.akadns.net ttdns2.com
    bytewlb.akadns.net queniuaa.com queniucf.com qiniudns.com omtrdc.net azionedge.net azionedge.com
    translate.goog googleapis.com elb.amazonaws.com
    """
)
# Cheap or much-abused TLDs (dnstwist's abused list, maltrail's suspicious TLDs, Spamhaus-style rankings).
ABUSED_TLDS = _words(
    """
    top xyz shop vip cc icu buzz cyou club online site store live fun monster sbs cfd bond click link work rest
    quest lol pw tk ml ga cf gq su win bid loan men date racing review stream download trade webcam party
    science accountant cricket faith zip mov xin wang ooo fit support help
    """
)
