// Seed catalog loaded by the catalog service on first start (migration 0002).

export interface SeedCategory {
  id: string;
  name: string;
}

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: 'USD';
  category: string;
  imageUrl: string;
}

export const seedCategories: readonly SeedCategory[] = [
  { id: 'kitchen', name: 'Kitchen' },
  { id: 'outdoors', name: 'Outdoors' },
  { id: 'electronics', name: 'Electronics' },
  { id: 'home', name: 'Home & Living' },
  { id: 'books', name: 'Books' },
  { id: 'personal-care', name: 'Personal Care' },
];

export const seedProducts: readonly SeedProduct[] = [
  // Kitchen
  {
    id: 'prod-pour-over-coffee-dripper',
    sku: 'MS-KIT-001',
    name: 'Pour-Over Coffee Dripper',
    description:
      'Ceramic cone dripper that sits on most mugs. Uses standard number 2 paper filters.',
    priceCents: 1800,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/pour-over-coffee-dripper.svg',
  },
  {
    id: 'prod-bamboo-cutting-board',
    sku: 'MS-KIT-002',
    name: 'Bamboo Cutting Board',
    description:
      'Small bamboo board for fruit, cheese and herbs. Hand wash and oil it now and then.',
    priceCents: 1450,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/bamboo-cutting-board.svg',
  },
  {
    id: 'prod-stainless-steel-measuring-spoons',
    sku: 'MS-KIT-003',
    name: 'Stainless Steel Measuring Spoons',
    description:
      'Set of six steel spoons from 1/8 teaspoon to 1 tablespoon, held together on a snap ring.',
    priceCents: 999,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/stainless-steel-measuring-spoons.svg',
  },
  {
    id: 'prod-silicone-spatula-set',
    sku: 'MS-KIT-004',
    name: 'Silicone Spatula Set',
    description:
      'Three heat-resistant spatulas in different widths. Safe to use on nonstick pans.',
    priceCents: 1299,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/silicone-spatula-set.svg',
  },
  {
    id: 'prod-manual-coffee-grinder',
    sku: 'MS-KIT-005',
    name: 'Manual Coffee Grinder',
    description:
      'Hand-crank burr grinder with adjustable coarseness. Holds about 30 grams of beans.',
    priceCents: 3450,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/manual-coffee-grinder.svg',
  },
  {
    id: 'prod-glass-spice-jar-set',
    sku: 'MS-KIT-006',
    name: 'Glass Spice Jar Set',
    description:
      'Six 4 oz glass jars with bamboo lids and blank labels for your own spice blends.',
    priceCents: 2200,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/glass-spice-jar-set.svg',
  },
  {
    id: 'prod-tea-infuser-ball',
    sku: 'MS-KIT-007',
    name: 'Tea Infuser Ball',
    description:
      'Fine-mesh steel infuser on a short chain for brewing loose tea in a mug or teapot.',
    priceCents: 499,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/tea-infuser-ball.svg',
  },
  {
    id: 'prod-beeswax-food-wraps',
    sku: 'MS-KIT-008',
    name: 'Beeswax Food Wraps',
    description:
      'Pack of three reusable cotton wraps coated in beeswax for covering bowls and cheese.',
    priceCents: 1600,
    currency: 'USD',
    category: 'kitchen',
    imageUrl: '/images/products/beeswax-food-wraps.svg',
  },
  // Outdoors
  {
    id: 'prod-enamel-camping-mug',
    sku: 'MS-OUT-001',
    name: 'Enamel Camping Mug',
    description:
      'Lightweight enamel-coated steel mug that holds 12 oz. Works over a camp stove or fire.',
    priceCents: 1150,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/enamel-camping-mug.svg',
  },
  {
    id: 'prod-rechargeable-led-headlamp',
    sku: 'MS-OUT-002',
    name: 'Rechargeable LED Headlamp',
    description:
      'USB rechargeable headlamp with three brightness levels and a red night mode.',
    priceCents: 2499,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/rechargeable-led-headlamp.svg',
  },
  {
    id: 'prod-collapsible-water-bottle',
    sku: 'MS-OUT-003',
    name: 'Collapsible Water Bottle',
    description:
      'Soft silicone bottle that rolls up when empty. Holds 600 ml and has a carabiner loop.',
    priceCents: 1375,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/collapsible-water-bottle.svg',
  },
  {
    id: 'prod-microfiber-travel-towel',
    sku: 'MS-OUT-004',
    name: 'Microfiber Travel Towel',
    description:
      'Quick-drying towel that packs into its own mesh pouch. About 60 by 120 cm.',
    priceCents: 1899,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/microfiber-travel-towel.svg',
  },
  {
    id: 'prod-folding-camp-cutlery-set',
    sku: 'MS-OUT-005',
    name: 'Folding Camp Cutlery Set',
    description:
      'Stainless steel fork, spoon and knife that fold flat and clip together.',
    priceCents: 1250,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/folding-camp-cutlery-set.svg',
  },
  {
    id: 'prod-emergency-mylar-blanket',
    sku: 'MS-OUT-006',
    name: 'Emergency Mylar Blanket',
    description:
      'Pack of two foil blankets that reflect body heat. Each one folds down to pocket size.',
    priceCents: 599,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/emergency-mylar-blanket.svg',
  },
  {
    id: 'prod-insulated-coffee-tumbler',
    sku: 'MS-OUT-007',
    name: 'Insulated Coffee Tumbler',
    description:
      'Double-wall steel tumbler with a slide lid that keeps coffee hot for a few hours.',
    priceCents: 2299,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/insulated-coffee-tumbler.svg',
  },
  {
    id: 'prod-trail-first-aid-kit',
    sku: 'MS-OUT-008',
    name: 'Trail First Aid Kit',
    description:
      'Compact kit with bandages, gauze, antiseptic wipes, tape and tweezers in a zip pouch.',
    priceCents: 2650,
    currency: 'USD',
    category: 'outdoors',
    imageUrl: '/images/products/trail-first-aid-kit.svg',
  },
  // Electronics
  {
    id: 'prod-usb-c-charging-cable',
    sku: 'MS-ELE-001',
    name: 'USB-C Charging Cable',
    description:
      'Braided 1 m USB-C to USB-C cable rated for 60 W charging and data transfer.',
    priceCents: 899,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/usb-c-charging-cable.svg',
  },
  {
    id: 'prod-portable-power-bank',
    sku: 'MS-ELE-002',
    name: 'Portable Power Bank',
    description:
      'Slim 10000 mAh battery with USB-C and USB-A ports. Charges most phones about twice.',
    priceCents: 2999,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/portable-power-bank.svg',
  },
  {
    id: 'prod-wireless-earbuds',
    sku: 'MS-ELE-003',
    name: 'Wireless Earbuds',
    description:
      'Bluetooth earbuds with a pocket charging case. Around 5 hours of playback per charge.',
    priceCents: 4999,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/wireless-earbuds.svg',
  },
  {
    id: 'prod-clip-on-reading-lamp',
    sku: 'MS-ELE-004',
    name: 'Clip-On Reading Lamp',
    description:
      'Small LED lamp that clips to a book or shelf. Runs on a built-in rechargeable battery.',
    priceCents: 1799,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/clip-on-reading-lamp.svg',
  },
  {
    id: 'prod-bluetooth-item-tracker',
    sku: 'MS-ELE-005',
    name: 'Bluetooth Item Tracker',
    description:
      'Coin-sized tracker that rings from your phone to help you find keys or a bag.',
    priceCents: 2400,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/bluetooth-item-tracker.svg',
  },
  {
    id: 'prod-mini-bluetooth-speaker',
    sku: 'MS-ELE-006',
    name: 'Mini Bluetooth Speaker',
    description:
      'Palm-sized speaker with a strap loop and splash resistance. Plays for about 8 hours.',
    priceCents: 3499,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/mini-bluetooth-speaker.svg',
  },
  {
    id: 'prod-dual-port-wall-charger',
    sku: 'MS-ELE-007',
    name: 'Dual-Port Wall Charger',
    description:
      'Compact 30 W charger with one USB-C and one USB-A port and folding prongs.',
    priceCents: 1950,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/dual-port-wall-charger.svg',
  },
  {
    id: 'prod-wi-fi-smart-plug',
    sku: 'MS-ELE-008',
    name: 'Wi-Fi Smart Plug',
    description:
      'Plug adapter that switches a lamp or coffee maker on a schedule set from your phone.',
    priceCents: 1499,
    currency: 'USD',
    category: 'electronics',
    imageUrl: '/images/products/wi-fi-smart-plug.svg',
  },
  // Home & Living
  {
    id: 'prod-soy-wax-candle',
    sku: 'MS-HOM-001',
    name: 'Soy Wax Candle',
    description:
      'Hand-poured soy candle in a glass jar with a cotton wick. Burns for about 40 hours.',
    priceCents: 1800,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/soy-wax-candle.svg',
  },
  {
    id: 'prod-ceramic-bud-vase',
    sku: 'MS-HOM-002',
    name: 'Ceramic Bud Vase',
    description:
      'Small matte ceramic vase for a single stem or dried flowers. About 12 cm tall.',
    priceCents: 1525,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/ceramic-bud-vase.svg',
  },
  {
    id: 'prod-bamboo-drawer-organizer',
    sku: 'MS-HOM-003',
    name: 'Bamboo Drawer Organizer',
    description:
      'Expandable bamboo tray with adjustable dividers for utensils or desk supplies.',
    priceCents: 2750,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/bamboo-drawer-organizer.svg',
  },
  {
    id: 'prod-linen-throw-pillow-cover',
    sku: 'MS-HOM-004',
    name: 'Linen Throw Pillow Cover',
    description:
      'Washed linen cover with a hidden zipper. Fits an 18 by 18 inch pillow insert.',
    priceCents: 2299,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/linen-throw-pillow-cover.svg',
  },
  {
    id: 'prod-led-desk-lamp',
    sku: 'MS-HOM-005',
    name: 'LED Desk Lamp',
    description:
      'Adjustable desk lamp with a steel arm and three color temperatures. Powered over USB.',
    priceCents: 3999,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/led-desk-lamp.svg',
  },
  {
    id: 'prod-stoneware-coffee-mug',
    sku: 'MS-HOM-006',
    name: 'Stoneware Coffee Mug',
    description:
      'Glazed stoneware mug that holds 12 oz. Safe for the dishwasher and microwave.',
    priceCents: 1400,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/stoneware-coffee-mug.svg',
  },
  {
    id: 'prod-cotton-dish-towel-pair',
    sku: 'MS-HOM-007',
    name: 'Cotton Dish Towel Pair',
    description:
      'Two woven cotton towels that absorb well and get softer with each wash.',
    priceCents: 1250,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/cotton-dish-towel-pair.svg',
  },
  {
    id: 'prod-wool-felt-coaster-set',
    sku: 'MS-HOM-008',
    name: 'Wool Felt Coaster Set',
    description:
      'Four thick wool felt coasters that protect tables from mug rings and scratches.',
    priceCents: 1100,
    currency: 'USD',
    category: 'home',
    imageUrl: '/images/products/wool-felt-coaster-set.svg',
  },
  // Books
  {
    id: 'prod-beginner-bread-baking-guide',
    sku: 'MS-BOK-001',
    name: 'Beginner Bread Baking Guide',
    description:
      'Paperback guide to simple yeast breads, with step-by-step photos and a troubleshooting chapter.',
    priceCents: 2199,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/beginner-bread-baking-guide.svg',
  },
  {
    id: 'prod-pocket-field-guide-to-birds',
    sku: 'MS-BOK-002',
    name: 'Pocket Field Guide to Birds',
    description:
      'Compact paperback with color illustrations and range maps for 300 common birds.',
    priceCents: 1695,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/pocket-field-guide-to-birds.svg',
  },
  {
    id: 'prod-home-coffee-brewing-handbook',
    sku: 'MS-BOK-003',
    name: 'Home Coffee Brewing Handbook',
    description:
      'Short guide to grind size, water ratios and brew methods, from pour-over to French press.',
    priceCents: 1850,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/home-coffee-brewing-handbook.svg',
  },
  {
    id: 'prod-dot-grid-hardcover-journal',
    sku: 'MS-BOK-004',
    name: 'Dot Grid Hardcover Journal',
    description:
      'A5 notebook with 160 numbered pages of dot grid paper and a ribbon bookmark.',
    priceCents: 1599,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/dot-grid-hardcover-journal.svg',
  },
  {
    id: 'prod-houseplant-care-basics',
    sku: 'MS-BOK-005',
    name: 'Houseplant Care Basics',
    description:
      'Illustrated guide to light, watering and repotting for 50 common indoor plants.',
    priceCents: 1999,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/houseplant-care-basics.svg',
  },
  {
    id: 'prod-day-hikes-trail-guide',
    sku: 'MS-BOK-006',
    name: 'Day Hikes Trail Guide',
    description:
      'Paperback with maps and notes for 60 day hikes, graded by distance and elevation gain.',
    priceCents: 1795,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/day-hikes-trail-guide.svg',
  },
  {
    id: 'prod-crossword-puzzle-collection',
    sku: 'MS-BOK-007',
    name: 'Crossword Puzzle Collection',
    description:
      'Spiral-bound book of 120 crosswords from easy to hard, with answers in the back.',
    priceCents: 1099,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/crossword-puzzle-collection.svg',
  },
  {
    id: 'prod-small-spaces-essay-collection',
    sku: 'MS-BOK-008',
    name: 'Small Spaces Essay Collection',
    description:
      'Short essays on owning less, repairing things and living well in small apartments.',
    priceCents: 1450,
    currency: 'USD',
    category: 'books',
    imageUrl: '/images/products/small-spaces-essay-collection.svg',
  },
  // Personal Care
  {
    id: 'prod-bamboo-toothbrush-four-pack',
    sku: 'MS-PER-001',
    name: 'Bamboo Toothbrush Four-Pack',
    description:
      'Four toothbrushes with bamboo handles and soft nylon bristles. Handles are compostable.',
    priceCents: 799,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/bamboo-toothbrush-four-pack.svg',
  },
  {
    id: 'prod-shea-butter-hand-cream',
    sku: 'MS-PER-002',
    name: 'Shea Butter Hand Cream',
    description:
      'Unscented hand cream made with shea butter and glycerin, in a 75 ml tube.',
    priceCents: 899,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/shea-butter-hand-cream.svg',
  },
  {
    id: 'prod-stainless-steel-safety-razor',
    sku: 'MS-PER-003',
    name: 'Stainless Steel Safety Razor',
    description:
      'Double-edge razor with a steel handle. Comes with five replacement blades.',
    priceCents: 2799,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/stainless-steel-safety-razor.svg',
  },
  {
    id: 'prod-solid-shampoo-bar',
    sku: 'MS-PER-004',
    name: 'Solid Shampoo Bar',
    description:
      'Plastic-free shampoo bar for normal hair. One bar lasts about 60 washes.',
    priceCents: 1150,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/solid-shampoo-bar.svg',
  },
  {
    id: 'prod-beeswax-lip-balm-trio',
    sku: 'MS-PER-005',
    name: 'Beeswax Lip Balm Trio',
    description:
      'Three beeswax lip balms in mint, vanilla and unflavored. Each tube holds 4.5 g.',
    priceCents: 650,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/beeswax-lip-balm-trio.svg',
  },
  {
    id: 'prod-wide-tooth-wooden-comb',
    sku: 'MS-PER-006',
    name: 'Wide-Tooth Wooden Comb',
    description:
      'Wide-tooth comb cut from sandalwood for detangling wet or dry hair.',
    priceCents: 975,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/wide-tooth-wooden-comb.svg',
  },
  {
    id: 'prod-coffee-body-scrub',
    sku: 'MS-PER-007',
    name: 'Coffee Body Scrub',
    description:
      'Exfoliating scrub made with ground coffee, brown sugar and coconut oil. 200 g jar.',
    priceCents: 1400,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/coffee-body-scrub.svg',
  },
  {
    id: 'prod-travel-toiletry-bag',
    sku: 'MS-PER-008',
    name: 'Travel Toiletry Bag',
    description:
      'Water-resistant zip bag with an inner mesh pocket and a hook for hanging.',
    priceCents: 2150,
    currency: 'USD',
    category: 'personal-care',
    imageUrl: '/images/products/travel-toiletry-bag.svg',
  },
];
